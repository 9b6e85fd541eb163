//! fcntl(2): descriptor duplication, FD_CLOEXEC, status flags; record
//! locks in fcntl_lock.rs.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::fs::file::{O_APPEND, O_NONBLOCK};
use crate::process;

const F_DUPFD: u64 = 0;
const F_GETFD: u64 = 1;
const F_SETFD: u64 = 2;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const F_DUPFD_CLOEXEC: u64 = 1030;
const FD_CLOEXEC: u64 = 1;

pub fn sys_fcntl(fd: u64, cmd: u64, arg: u64) -> SyscallResult {
    use super::fcntl_lock::{sys_fcntl_lock, F_GETLK, F_SETLK, F_SETLKW};
    if matches!(cmd, F_GETLK | F_SETLK | F_SETLKW) {
        return sys_fcntl_lock(fd, cmd, arg);
    }
    process::with_current(|p| match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let f = p.fds.get(fd)?;
            p.fds.insert_from(arg as usize, f, cmd == F_DUPFD_CLOEXEC)
        }
        F_GETFD => Ok(if p.fds.entry_mut(fd)?.cloexec { FD_CLOEXEC as usize } else { 0 }),
        F_SETFD => {
            p.fds.entry_mut(fd)?.cloexec = arg & FD_CLOEXEC != 0;
            Ok(0)
        }
        F_GETFL => Ok(*p.fds.get(fd)?.flags.lock() as usize),
        F_SETFL => {
            let f = p.fds.get(fd)?;
            let mut flags = f.flags.lock();
            let settable = O_APPEND | O_NONBLOCK;
            *flags = (*flags & !settable) | (arg as u32 & settable);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    })?
}
