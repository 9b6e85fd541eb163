//! utimensat(2): access and modification times (UTIME_NOW, UTIME_OMIT;
//! ctime moves to now with any change). Flags: AT_SYMLINK_NOFOLLOW,
//! AT_EMPTY_PATH (others EINVAL at the boundary, as Linux). A NULL path is
//! futimens(3): the file `dirfd` is open on.

use kernel_abi::Errno;

use super::args::{AtFlags, DirFd, Timespec, UserCStr, UserPtr};
use super::current::current;
use super::fs_util::{at_path, AtTarget};
use super::SyscallResult;
use crate::fs::{self, SetAttr, Time};

const UTIME_NOW: i64 = 0x3fff_ffff;
const UTIME_OMIT: i64 = 0x3fff_fffe;

/// What to do with one of the two times.
#[derive(Clone, Copy, PartialEq)]
enum Set {
    Now,
    Omit,
    At(Time),
}

fn decode(t: Timespec) -> Result<Set, Errno> {
    match t.nsec {
        UTIME_NOW => Ok(Set::Now),
        UTIME_OMIT => Ok(Set::Omit),
        _ => {
            t.to_ns()?;
            Ok(Set::At(Time { sec: t.sec, nsec: t.nsec as u32 }))
        }
    }
}

/// In Linux's order: both times read (EFAULT), both omitted is a success
/// that looks nothing up, nanoseconds checked (EINVAL), the file looked
/// up; then the permission (Linux's vfs_utimes): no times or both
/// UTIME_NOW take ownership or write permission (EACCES), anything else
/// (an explicit time, or UTIME_NOW with UTIME_OMIT) ownership (EPERM).
pub fn sys_utimensat(dirfd: DirFd, path: UserCStr, times: UserPtr<[Timespec; 2]>, flags: AtFlags) -> SyscallResult {
    let (atime, mtime) = match times.nonnull() {
        None => (Set::Now, Set::Now),
        Some(times) => {
            let [a, m] = times.read()?;
            if a.nsec == UTIME_OMIT && m.nsec == UTIME_OMIT {
                return Ok(0);
            }
            (decode(a)?, decode(m)?)
        }
    };
    let target = if path.is_null() {
        match dirfd {
            // The fd table has no AT_FDCWD (-100): EBADF.
            DirFd::Cwd => return Err(Errno::EBADF),
            DirFd::Fd(fd) => AtTarget::of_file(&*current().file(fd)?),
        }
    } else {
        at_path(dirfd, path, flags)?
    };
    let node = target.inode();
    target.writable()?;
    let creds = current().creds();
    let attr = node.getattr()?;
    if !creds.owns(attr.uid) {
        if (atime, mtime) != (Set::Now, Set::Now) {
            return Err(Errno::EPERM);
        }
        fs::access::check(&attr, &creds, kernel_perm::MAY_WRITE)?;
    }
    let now = fs::clock();
    let time = |s: Set| match s {
        Set::Now => Some(now),
        Set::Omit => None,
        Set::At(t) => Some(t),
    };
    node.setattr(&SetAttr { atime: time(atime), mtime: time(mtime), ..Default::default() })?;
    Ok(0)
}
