//! Resource limits (getrlimit/setrlimit/prlimit64): Linux's defaults for
//! a process started by the kernel, its rules for changing them, and
//! which ones the kernel enforces: RLIMIT_NOFILE (the descriptor table),
//! RLIMIT_AS (mmap, mremap, brk), RLIMIT_DATA (brk), RLIMIT_CPU
//! (SIGXCPU, SIGKILL: cputime.rs), RLIMIT_NPROC (fork) and RLIMIT_STACK
//! (execve's argument space); the others are kept and reported. fork and
//! exec keep them.

use kernel_abi::Errno;

pub const RLIM_INFINITY: u64 = u64::MAX;
pub const RLIMIT_CPU: usize = 0;
pub const RLIMIT_DATA: usize = 2;
pub const RLIMIT_STACK: usize = 3;
pub const RLIMIT_NPROC: usize = 6;
pub const RLIMIT_NOFILE: usize = 7;
pub const RLIMIT_AS: usize = 9;
pub const RLIMIT_SIGPENDING: usize = 11;
/// RLIMIT_CPU .. RLIMIT_RTTIME.
pub const RLIM_NLIMITS: usize = 16;

/// The largest RLIMIT_NOFILE (Linux's fs.nr_open; here the descriptor
/// table's size): raising past it is EPERM, even for root.
pub const NR_OPEN: u64 = crate::fs::file::FD_MAX as u64;

/// `(soft, hard)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimits(pub [Rlimit; RLIM_NLIMITS]);

impl Default for Rlimits {
    /// Linux's INIT_RLIMITS: stack 8 MiB soft, core 0 soft, open files
    /// 1024/4096, locked memory 8 MiB, message queues 800 KiB, nice and
    /// real-time priority 0; processes and pending signals from the size
    /// of RAM as Linux's fork_init (RAM / 128 KiB / 2); the rest unlimited.
    fn default() -> Self {
        let inf = Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY };
        let both = |v| Rlimit { cur: v, max: v };
        let (frames, _) = crate::mm::frame::stats();
        let threads = ((frames as u64 * 4096) / (128 << 10) / 2).max(10);
        Rlimits([
            inf,                                           // CPU
            inf,                                           // FSIZE
            inf,                                           // DATA
            Rlimit { cur: 8 << 20, max: RLIM_INFINITY },   // STACK
            Rlimit { cur: 0, max: RLIM_INFINITY },         // CORE
            inf,                                           // RSS
            both(threads),                                 // NPROC
            Rlimit { cur: 1024, max: 4096 },               // NOFILE
            both(8 << 20),                                 // MEMLOCK
            inf,                                           // AS
            inf,                                           // LOCKS
            both(threads),                                 // SIGPENDING
            both(819_200),                                 // MSGQUEUE
            both(0),                                       // NICE
            both(0),                                       // RTPRIO
            inf,                                           // RTTIME
        ])
    }
}

impl Rlimits {
    /// Whether an address space of `pages` pages stays within RLIMIT_AS.
    pub fn address_space_allows(&self, pages: u64) -> bool {
        pages.saturating_mul(4096) <= self.0[RLIMIT_AS].cur
    }

    pub fn get(&self, resource: usize) -> Result<Rlimit, Errno> {
        self.0.get(resource).copied().ok_or(Errno::EINVAL)
    }

    /// setrlimit's rules: soft <= hard (EINVAL); raising the hard limit
    /// needs privilege (EPERM); RLIMIT_NOFILE stays within NR_OPEN (EPERM).
    pub fn set(&mut self, resource: usize, new: Rlimit, privileged: bool) -> Result<Rlimit, Errno> {
        let old = self.get(resource)?;
        if new.cur > new.max {
            return Err(Errno::EINVAL);
        }
        if new.max > old.max && !privileged {
            return Err(Errno::EPERM);
        }
        if resource == RLIMIT_NOFILE && new.max > NR_OPEN {
            return Err(Errno::EPERM);
        }
        self.0[resource] = new;
        Ok(old)
    }
}
