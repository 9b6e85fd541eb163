//! fcntl(2): descriptor duplication, FD_CLOEXEC, status flags, the owner
//! (F_GETOWN: none, there is no SIGIO); record locks in fcntl_lock.rs.

use kernel_abi::Errno;

use super::args::{Fd, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::fs::file::{FD_MAX, O_APPEND, O_NONBLOCK};

const F_DUPFD: u32 = 0;
const F_GETFD: u32 = 1;
const F_SETFD: u32 = 2;
const F_GETFL: u32 = 3;
const F_SETFL: u32 = 4;
const F_SETOWN: u32 = 8;
const F_GETOWN: u32 = 9;
const F_DUPFD_CLOEXEC: u32 = 1030;
/// arm64 values of the status flags F_SETFL takes beyond O_APPEND and
/// O_NONBLOCK.
const O_ASYNC: u32 = 0o20000;
const O_DIRECT: u32 = 0o200000;
const O_NOATIME: u32 = 0o1000000;
const FD_CLOEXEC: u64 = 1;

/// `arg` is an `unsigned long`: a number, or for the lock commands a
/// `struct flock *`.
pub fn sys_fcntl(fd: Fd, cmd: u32, arg: u64) -> SyscallResult {
    use super::fcntl_lock::{sys_fcntl_lock, LockCmd};
    if let Some((cmd, ofd)) = LockCmd::from_cmd(cmd) {
        return sys_fcntl_lock(fd, cmd, ofd, UserPtr::new(arg));
    }
    current().with(|p| match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let f = p.fds.get(fd.index())?;
            // Linux: a minimum at or past RLIMIT_NOFILE (an unsigned long:
            // -1 included) is EINVAL.
            if arg >= FD_MAX as u64 {
                return Err(Errno::EINVAL);
            }
            p.fds.insert_from(arg as usize, f, cmd == F_DUPFD_CLOEXEC)
        }
        F_GETFD => Ok(if p.fds.entry_mut(fd.index())?.cloexec { FD_CLOEXEC as usize } else { 0 }),
        F_SETFD => {
            p.fds.entry_mut(fd.index())?.cloexec = arg & FD_CLOEXEC != 0;
            Ok(0)
        }
        F_GETFL => Ok(*p.fds.get(fd.index())?.flags.lock() as usize),
        // As Linux: the access mode and creation flags are ignored;
        // O_DIRECT (kept, though ext2 I/O still goes through the page
        // cache, which Linux's direct I/O bypasses) and O_NOATIME (reads
        // leave the access time alone; owner only, EPERM) are kept;
        // O_ASYNC would need SIGIO, which does not exist here: EINVAL.
        F_SETFL => {
            let f = p.fds.get(fd.index())?;
            let arg = arg as u32;
            if arg & O_ASYNC != 0 {
                return Err(Errno::EINVAL);
            }
            if arg & O_NOATIME != 0 && !p.creds.owns(f.node.getattr()?.uid) {
                return Err(Errno::EPERM);
            }
            let mut flags = f.flags.lock();
            let settable = O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME;
            *flags = (*flags & !settable) | (arg & settable);
            Ok(0)
        }
        F_GETOWN => p.fds.get(fd.index()).map(|_| 0),
        // Clearing the owner is all there is to do without SIGIO.
        F_SETOWN => {
            p.fds.get(fd.index())?;
            if arg as u32 as i32 == 0 {
                Ok(0)
            } else {
                Err(Errno::EINVAL)
            }
        }
        _ => Err(Errno::EINVAL),
    })
}
