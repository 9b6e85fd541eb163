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

pub fn sys_utimensat(dirfd: DirFd, path: UserCStr, times: UserPtr<[Timespec; 2]>, flags: AtFlags) -> SyscallResult {
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
    let now = fs::clock();
    // Setting the current time takes ownership or write permission (EACCES);
    // an explicit time takes ownership (EPERM), as Linux's utimes checks.
    let mut explicit = false;
    let mut decode = |t: Timespec| -> Result<Option<Time>, Errno> {
        match t.nsec {
            UTIME_NOW => Ok(Some(now)),
            UTIME_OMIT => Ok(None),
            _ => {
                t.to_ns()?;
                explicit = true;
                Ok(Some(Time { sec: t.sec, nsec: t.nsec as u32 }))
            }
        }
    };
    let (atime, mtime) = match times.nonnull() {
        None => (Some(now), Some(now)),
        Some(times) => {
            let [a, m] = times.read()?;
            (decode(a)?, decode(m)?)
        }
    };
    if atime.is_none() && mtime.is_none() {
        return Ok(0);
    }
    target.writable()?;
    let creds = current().creds();
    let attr = node.getattr()?;
    if !creds.owns(attr.uid) {
        if explicit {
            return Err(Errno::EPERM);
        }
        fs::access::check(&attr, &creds, kernel_perm::MAY_WRITE)?;
    }
    node.setattr(&SetAttr { atime, mtime, ..Default::default() })?;
    Ok(0)
}
