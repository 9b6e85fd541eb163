//! Resource limits as Linux keeps them: the defaults a process started by
//! the kernel gets (INIT_RLIMITS), setrlimit's rules, and the execve
//! argument space RLIMIT_STACK allows (fs/exec.c's bprm_stack_limits).
//! Pure logic, tested on the host; the kernel enforces the limits.

#![no_std]
#![forbid(unsafe_code)]

/// No limit.
pub const RLIM_INFINITY: u64 = u64::MAX;

pub const RLIMIT_CPU: usize = 0;
pub const RLIMIT_FSIZE: usize = 1;
pub const RLIMIT_DATA: usize = 2;
pub const RLIMIT_STACK: usize = 3;
pub const RLIMIT_CORE: usize = 4;
pub const RLIMIT_RSS: usize = 5;
pub const RLIMIT_NPROC: usize = 6;
pub const RLIMIT_NOFILE: usize = 7;
pub const RLIMIT_MEMLOCK: usize = 8;
pub const RLIMIT_AS: usize = 9;
pub const RLIMIT_LOCKS: usize = 10;
pub const RLIMIT_SIGPENDING: usize = 11;
pub const RLIMIT_MSGQUEUE: usize = 12;
pub const RLIMIT_NICE: usize = 13;
pub const RLIMIT_RTPRIO: usize = 14;
pub const RLIMIT_RTTIME: usize = 15;
/// How many limits there are.
pub const RLIM_NLIMITS: usize = 16;

/// Why setrlimit refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a resource, or soft above hard (EINVAL).
    Invalid,
    /// Raising the hard limit without privilege, or RLIMIT_NOFILE past
    /// nr_open (EPERM).
    NotPermitted,
}

/// `(soft, hard)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimit {
    pub cur: u64,
    pub max: u64,
}

impl Rlimit {
    pub const UNLIMITED: Rlimit = Rlimit { cur: RLIM_INFINITY, max: RLIM_INFINITY };

    const fn both(v: u64) -> Rlimit {
        Rlimit { cur: v, max: v }
    }
}

/// A process's limits, by resource number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rlimits(pub [Rlimit; RLIM_NLIMITS]);

impl Rlimits {
    /// Linux's INIT_RLIMITS for a machine with `ram_bytes` of RAM: stack
    /// 8 MiB soft, core 0 soft, open files 1024/4096, locked memory 8 MiB,
    /// message queues 800 KiB, nice and real-time priority 0; processes and
    /// pending signals half of fork_init's max_threads (RAM / 128 KiB, at
    /// least 20); everything else unlimited.
    pub fn linux_defaults(ram_bytes: u64) -> Rlimits {
        let threads = (ram_bytes / (128 << 10)).max(20) / 2;
        let mut l = [Rlimit::UNLIMITED; RLIM_NLIMITS];
        l[RLIMIT_STACK] = Rlimit { cur: 8 << 20, max: RLIM_INFINITY };
        l[RLIMIT_CORE] = Rlimit { cur: 0, max: RLIM_INFINITY };
        l[RLIMIT_NPROC] = Rlimit::both(threads);
        l[RLIMIT_NOFILE] = Rlimit { cur: 1024, max: 4096 };
        l[RLIMIT_MEMLOCK] = Rlimit::both(8 << 20);
        l[RLIMIT_SIGPENDING] = Rlimit::both(threads);
        l[RLIMIT_MSGQUEUE] = Rlimit::both(819_200);
        l[RLIMIT_NICE] = Rlimit::both(0);
        l[RLIMIT_RTPRIO] = Rlimit::both(0);
        Rlimits(l)
    }

    pub fn get(&self, resource: usize) -> Option<Rlimit> {
        self.0.get(resource).copied()
    }

    /// setrlimit's rules: soft <= hard; raising the hard limit needs
    /// privilege; RLIMIT_NOFILE's hard limit stays within `nr_open`.
    /// Returns the old limit.
    pub fn set(&mut self, resource: usize, new: Rlimit, privileged: bool, nr_open: u64) -> Result<Rlimit, Refused> {
        let old = self.get(resource).ok_or(Refused::Invalid)?;
        if new.cur > new.max {
            return Err(Refused::Invalid);
        }
        if new.max > old.max && !privileged {
            return Err(Refused::NotPermitted);
        }
        if resource == RLIMIT_NOFILE && new.max > nr_open {
            return Err(Refused::NotPermitted);
        }
        self.0[resource] = new;
        Ok(old)
    }

    /// Whether an address space of `bytes` stays within RLIMIT_AS.
    pub fn address_space_allows(&self, bytes: u64) -> bool {
        bytes <= self.0[RLIMIT_AS].cur
    }
}

/// The longest execve string, its NUL included (MAX_ARG_STRLEN).
pub const MAX_ARG_STRLEN: u64 = 32 * 4096;
/// The least argument space (ARG_MAX).
pub const ARG_MAX: u64 = 128 << 10;
/// The most argument space (_STK_LIM / 4 * 3).
const ARG_CEILING: u64 = (8 << 20) / 4 * 3;

/// Bytes execve's strings may take (file name, environment, arguments,
/// each with its NUL) under RLIMIT_STACK `stack_cur`, with `strings`
/// pointers: a quarter of the stack limit, at least ARG_MAX and at most
/// 6 MiB, less the pointers. None (E2BIG) when the pointers alone fill it.
pub fn exec_string_space(stack_cur: u64, argc: usize, envc: usize) -> Option<u64> {
    let limit = (stack_cur / 4).clamp(ARG_MAX, ARG_CEILING);
    let pointers = (argc.max(1) as u64).checked_add(envc as u64)?.checked_mul(8)?;
    limit.checked_sub(pointers).filter(|&room| room > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_linuxs() {
        let l = Rlimits::linux_defaults(1 << 30);
        assert_eq!(l.get(RLIMIT_NOFILE), Some(Rlimit { cur: 1024, max: 4096 }));
        assert_eq!(l.get(RLIMIT_STACK), Some(Rlimit { cur: 8 << 20, max: RLIM_INFINITY }));
        assert_eq!(l.get(RLIMIT_CORE), Some(Rlimit { cur: 0, max: RLIM_INFINITY }));
        assert_eq!(l.get(RLIMIT_AS), Some(Rlimit::UNLIMITED));
        assert_eq!(l.get(RLIMIT_NPROC), Some(Rlimit::both(4096)));
        assert_eq!(l.get(RLIMIT_MSGQUEUE), Some(Rlimit::both(819_200)));
        assert_eq!(l.get(RLIM_NLIMITS), None);
        // A tiny machine still gets some processes.
        assert_eq!(Rlimits::linux_defaults(0).get(RLIMIT_NPROC), Some(Rlimit::both(10)));
    }

    #[test]
    fn set_follows_setrlimits_rules() {
        let mut l = Rlimits::linux_defaults(1 << 30);
        assert_eq!(l.set(RLIMIT_NOFILE, Rlimit { cur: 11, max: 10 }, true, 4096), Err(Refused::Invalid));
        assert_eq!(l.set(99, Rlimit::both(1), true, 4096), Err(Refused::Invalid));
        // Lowering works unprivileged; raising the hard limit back does not.
        assert_eq!(l.set(RLIMIT_NOFILE, Rlimit { cur: 10, max: 20 }, false, 4096), Ok(Rlimit { cur: 1024, max: 4096 }));
        assert_eq!(l.set(RLIMIT_NOFILE, Rlimit { cur: 10, max: 21 }, false, 4096), Err(Refused::NotPermitted));
        assert_eq!(l.set(RLIMIT_NOFILE, Rlimit { cur: 20, max: 20 }, false, 4096), Ok(Rlimit { cur: 10, max: 20 }));
        // Privilege raises it, but not past nr_open.
        assert_eq!(l.set(RLIMIT_NOFILE, Rlimit::both(4096), true, 4096), Ok(Rlimit::both(20)));
        assert_eq!(l.set(RLIMIT_NOFILE, Rlimit::both(4097), true, 4096), Err(Refused::NotPermitted));
        // Other resources have no such ceiling.
        assert!(l.set(RLIMIT_CPU, Rlimit::both(5), false, 4096).is_ok());
        assert_eq!(l.set(RLIMIT_CPU, Rlimit::UNLIMITED, false, 4096), Err(Refused::NotPermitted));
    }

    #[test]
    fn address_space() {
        let mut l = Rlimits::linux_defaults(1 << 30);
        assert!(l.address_space_allows(u64::MAX));
        l.set(RLIMIT_AS, Rlimit::both(64 << 20), false, 4096).unwrap();
        assert!(l.address_space_allows(64 << 20));
        assert!(!l.address_space_allows((64 << 20) + 1));
    }

    #[test]
    fn exec_space_is_a_quarter_of_the_stack_within_bounds() {
        // Default 8 MiB stack: 2 MiB, less 8 bytes a pointer.
        assert_eq!(exec_string_space(8 << 20, 2, 1), Some((2 << 20) - 24));
        // argc 0 still counts one pointer (Linux's max(argc, 1)).
        assert_eq!(exec_string_space(8 << 20, 0, 0), Some((2 << 20) - 8));
        // Small stacks still get ARG_MAX, huge ones at most 6 MiB.
        assert_eq!(exec_string_space(64 << 10, 1, 0), Some(ARG_MAX - 8));
        assert_eq!(exec_string_space(RLIM_INFINITY, 1, 0), Some((6 << 20) - 8));
        // Pointers alone can fill it.
        assert_eq!(exec_string_space(8 << 20, 1 << 18, 0), None);
    }
}
