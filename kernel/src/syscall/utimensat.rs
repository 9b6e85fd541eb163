//! utimensat(2): access and modification times, each an explicit time,
//! UTIME_NOW or UTIME_OMIT (the change time is not kept: stat reports the
//! modification time for it). Flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH
//! (others EINVAL at the boundary, as Linux). A NULL path is futimens(3):
//! the file `dirfd` is open on. Times before 1970 are EINVAL (kept as
//! unsigned nanoseconds).

use kernel_abi::Errno;

use super::args::{user_path, AtFlags, DirFd, Timespec, UserCStr, UserPtr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;

const UTIME_NOW: i64 = 0x3fff_ffff;
const UTIME_OMIT: i64 = 0x3fff_fffe;

/// What to do with one of the two times.
#[derive(Clone, Copy, PartialEq)]
enum Set {
    Now,
    Omit,
    At(u64),
}

fn decode(t: Timespec) -> Result<Set, Errno> {
    match t.nsec {
        UTIME_NOW => Ok(Set::Now),
        UTIME_OMIT => Ok(Set::Omit),
        _ => t.to_ns().map(Set::At),
    }
}

/// In Linux's order: both times read (EFAULT) and both omitted is a
/// success that looks nothing up; nanoseconds checked (EINVAL); the file
/// looked up; then the permission: no times (or both UTIME_NOW) take
/// ownership or write permission (EACCES), anything else ownership
/// (EPERM); root may do both.
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
    let creds = current().creds();
    if !creds.owns(node.meta.lock().uid) {
        if (atime, mtime) != (Set::Now, Set::Now) {
            return Err(Errno::EPERM);
        }
        fs::access::check(&node, &creds, kernel_perm::MAY_WRITE)?;
    }
    let now = crate::arch::timer::now_ns();
    let mut guard = node.meta.lock();
    let meta = &mut *guard;
    for (set, slot) in [(atime, &mut meta.atime_ns), (mtime, &mut meta.mtime_ns)] {
        match set {
            Set::Now => *slot = now,
            Set::At(t) => *slot = t,
            Set::Omit => {}
        }
    }
    Ok(0)
}
