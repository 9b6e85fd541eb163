//! Resource limits: the rules are the host-tested `kernel-rlimit`; here,
//! a process's defaults (from the size of RAM) and where they are
//! enforced: RLIMIT_NOFILE (the descriptor table), RLIMIT_AS (mmap,
//! mremap, brk), RLIMIT_DATA (brk), RLIMIT_CPU (SIGXCPU, SIGKILL:
//! cputime.rs), RLIMIT_NPROC (fork), RLIMIT_STACK (execve's argument
//! space) and RLIMIT_FSIZE (regular file writes); the others are kept and
//! reported. fork and exec keep them.

use kernel_abi::Errno;

pub use kernel_rlimit::{
    Refused, Rlimit, Rlimits, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_STACK,
    RLIM_INFINITY, RLIM_NLIMITS,
};

/// The current process's RLIMIT_FSIZE soft limit (read before a regular
/// file's write takes its locks).
pub fn fsize_limit() -> u64 {
    super::with_current(|p| p.rlimits.0[RLIMIT_FSIZE].cur).unwrap_or(RLIM_INFINITY)
}

/// Linux's generic_write_check_limits for a regular file: a write of `len`
/// bytes at `pos` is cut at `limit`; one starting at or past it is EFBIG
/// and the writer gets SIGXFSZ. An empty write is never refused.
pub fn fsize_clamp(limit: u64, pos: u64, len: usize) -> Result<usize, Errno> {
    if len == 0 || limit == RLIM_INFINITY {
        return Ok(len);
    }
    if pos >= limit {
        let _ = super::with_current(|p| p.signals.raise(super::signal::SIGXFSZ));
        return Err(Errno::EFBIG);
    }
    Ok(len.min(usize::try_from(limit - pos).unwrap_or(usize::MAX)))
}

/// The largest RLIMIT_NOFILE (Linux's fs.nr_open; here the descriptor
/// table's size): raising past it is EPERM, even for root.
pub const NR_OPEN: u64 = crate::fs::file::FD_MAX as u64;

/// Linux's defaults for this machine's RAM.
pub fn defaults() -> Rlimits {
    let (frames, _) = crate::mm::frame::stats();
    Rlimits::linux_defaults(frames as u64 * 4096)
}

/// Whether an address space of `pages` pages stays within RLIMIT_AS.
pub fn address_space_allows(limits: &Rlimits, pages: u64) -> bool {
    limits.address_space_allows(pages.saturating_mul(4096))
}
