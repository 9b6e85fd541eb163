//! Resource limits: the rules are the host-tested `kernel-rlimit`; here,
//! a process's defaults (from the size of RAM) and where they are
//! enforced: RLIMIT_NOFILE (the descriptor table), RLIMIT_AS (mmap,
//! mremap, brk), RLIMIT_DATA (brk), RLIMIT_CPU (SIGXCPU, SIGKILL:
//! cputime.rs), RLIMIT_NPROC (fork) and RLIMIT_STACK (execve's argument
//! space); the others are kept and reported. fork and exec keep them.

pub use kernel_rlimit::{
    Refused, Rlimit, Rlimits, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_STACK, RLIM_INFINITY,
    RLIM_NLIMITS,
};

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
