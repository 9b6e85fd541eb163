//! Descriptors and process ids as the ABI passes them.

use kernel_abi::Errno;

use crate::process::current_pid;

/// `AT_FDCWD`: a `*at` call relative to the working directory.
pub const AT_FDCWD: i32 = -100;

/// A file descriptor: Linux's `unsigned int fd` (the low 32 bits of the
/// register; `-1` is 0xffffffff, which no table holds: EBADF).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Fd(u32);

impl Fd {
    pub fn from_reg(reg: u64) -> Fd {
        Fd(reg as u32)
    }

    /// The descriptor as an index into the fd table.
    pub fn index(self) -> u64 {
        u64::from(self.0)
    }
}

/// The `dirfd` of a `*at` call: the working directory or an open directory.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DirFd {
    Cwd,
    Fd(Fd),
}

impl DirFd {
    pub fn from_reg(reg: u64) -> DirFd {
        if reg as u32 as i32 == AT_FDCWD {
            DirFd::Cwd
        } else {
            DirFd::Fd(Fd::from_reg(reg))
        }
    }
}

/// A `pid_t` argument (the low 32 bits, signed: 0, -1 and negative
/// process-group ids mean what each call says).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Pid(i32);

impl Pid {
    pub fn from_reg(reg: u64) -> Pid {
        Pid(reg as u32 as i32)
    }

    pub fn raw(self) -> i32 {
        self.0
    }

    /// The process the call names: 0 is the caller (setpgid, getpgid,
    /// getsid, sched_*affinity); a negative id names none (ESRCH later).
    pub fn or_current(self) -> u32 {
        if self.0 == 0 {
            current_pid()
        } else {
            self.0 as u32
        }
    }

    /// A positive id (tkill's tid): EINVAL otherwise, as Linux.
    pub fn positive(self) -> Result<u32, Errno> {
        if self.0 > 0 {
            Ok(self.0 as u32)
        } else {
            Err(Errno::EINVAL)
        }
    }
}
