//! utimensat(2): only the modification time is kept (stat reports it for
//! atime and ctime too). Flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (others
//! EINVAL at the boundary, as Linux). A NULL path is futimens(3): the file
//! `dirfd` is open on.

use kernel_abi::Errno;

use super::args::{user_path, AtFlags, DirFd, Timespec, UserCStr, UserPtr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;

const UTIME_NOW: i64 = 0x3fff_ffff;
const UTIME_OMIT: i64 = 0x3fff_fffe;

pub fn sys_utimensat(dirfd: DirFd, path: UserCStr, times: UserPtr<[Timespec; 2]>, flags: AtFlags) -> SyscallResult {
    let node = if path.is_null() {
        match dirfd {
            // The fd table has no AT_FDCWD (-100): EBADF.
            DirFd::Cwd => return Err(Errno::EBADF),
            DirFd::Fd(fd) => current().file(fd)?.node.clone(),
        }
    } else {
        let path = user_path(path)?;
        let base = base_dir(dirfd, &path)?;
        fs::resolve(&base, &path, !flags.contains(AtFlags::SYMLINK_NOFOLLOW))?
    };
    let now = crate::arch::timer::now_ns();
    // Setting the current time takes ownership or write permission (EACCES);
    // an explicit time takes ownership (EPERM), as Linux's utimes checks.
    let mut explicit = false;
    let mtime = match times.nonnull() {
        None => Some(now),
        Some(times) => {
            let [_atime, mtime] = times.read()?;
            match mtime.nsec {
                UTIME_NOW => Some(now),
                UTIME_OMIT => None,
                _ => {
                    let t = mtime.to_ns()?;
                    explicit = true;
                    Some(t)
                }
            }
        }
    };
    let creds = current().creds();
    if !creds.owns(node.meta.lock().uid) {
        if explicit {
            return Err(Errno::EPERM);
        }
        fs::access::check(&node, &creds, kernel_perm::MAY_WRITE)?;
    }
    if let Some(t) = mtime {
        node.meta.lock().mtime_ns = t;
    }
    Ok(0)
}
