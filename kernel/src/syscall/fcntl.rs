//! fcntl(2): descriptor duplication, FD_CLOEXEC, status flags; record
//! locks in fcntl_lock.rs.

use kernel_abi::Errno;

use super::args::{Fd, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::fs::file::{O_APPEND, O_NONBLOCK};

const F_DUPFD: u32 = 0;
const F_GETFD: u32 = 1;
const F_SETFD: u32 = 2;
const F_GETFL: u32 = 3;
const F_SETFL: u32 = 4;
const F_DUPFD_CLOEXEC: u32 = 1030;
const FD_CLOEXEC: u64 = 1;

/// `arg` is an `unsigned long`: a number, or for the lock commands a
/// `struct flock *`.
pub fn sys_fcntl(fd: Fd, cmd: u32, arg: u64) -> SyscallResult {
    use super::fcntl_lock::{sys_fcntl_lock, LockCmd};
    if let Some(cmd) = LockCmd::from_cmd(cmd) {
        return sys_fcntl_lock(fd, cmd, UserPtr::new(arg));
    }
    current().with(|p| match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let f = p.fds.get(fd.index())?;
            p.fds.insert_from(arg as usize, f, cmd == F_DUPFD_CLOEXEC)
        }
        F_GETFD => Ok(if p.fds.entry_mut(fd.index())?.cloexec { FD_CLOEXEC as usize } else { 0 }),
        F_SETFD => {
            p.fds.entry_mut(fd.index())?.cloexec = arg & FD_CLOEXEC != 0;
            Ok(0)
        }
        F_GETFL => Ok(*p.fds.get(fd.index())?.flags.lock() as usize),
        F_SETFL => {
            let f = p.fds.get(fd.index())?;
            let mut flags = f.flags.lock();
            let settable = O_APPEND | O_NONBLOCK;
            *flags = (*flags & !settable) | (arg as u32 & settable);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    })
}
