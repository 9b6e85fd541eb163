//! utimensat(2): access and modification times (UTIME_NOW, UTIME_OMIT);
//! AT_SYMLINK_NOFOLLOW; a null path sets the times of `dirfd`'s file
//! (futimens). Unknown flag bits: EINVAL.

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path, AT_SYMLINK_NOFOLLOW};
use super::SyscallResult;
use crate::fs::{self, SetAttr, Time};
use crate::mm::usercopy::copy_from_user;
use crate::process;

const UTIME_NOW: i64 = 0x3fff_ffff;
const UTIME_OMIT: i64 = 0x3fff_fffe;

pub fn sys_utimensat(dirfd: u64, path: u64, times: u64, flags: u64) -> SyscallResult {
    if flags & !AT_SYMLINK_NOFOLLOW != 0 {
        return Err(Errno::EINVAL);
    }
    let node = if path == 0 {
        process::with_current(|p| p.fds.get(dirfd))??.node.clone()
    } else {
        let path = user_path(path)?;
        let base = base_dir(dirfd, &path)?;
        fs::resolve(&base, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?.inode().clone()
    };
    let now = fs::clock();
    // Setting the current time takes ownership or write permission (EACCES);
    // an explicit time takes ownership (EPERM), as Linux's utimes checks.
    let mut explicit = false;
    let (atime, mtime) = if times == 0 {
        (Some(now), Some(now))
    } else {
        let mut raw = [0u8; 32];
        copy_from_user(&mut raw, times)?;
        let mut decode = |at: usize| -> Result<Option<Time>, Errno> {
            let sec = i64::from_le_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
            let nsec = i64::from_le_bytes(raw[at + 8..at + 16].try_into().expect("8 bytes"));
            match nsec {
                UTIME_NOW => Ok(Some(now)),
                UTIME_OMIT => Ok(None),
                n if (0..1_000_000_000).contains(&n) => {
                    explicit = true;
                    Ok(Some(Time { sec, nsec: n as u32 }))
                }
                _ => Err(Errno::EINVAL),
            }
        };
        (decode(0)?, decode(16)?)
    };
    if atime.is_none() && mtime.is_none() {
        return Ok(0);
    }
    let creds = process::current_creds();
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
