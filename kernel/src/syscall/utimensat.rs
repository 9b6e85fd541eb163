//! utimensat(2): only the modification time is kept (stat reports it for
//! atime and ctime too).

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path, AT_SYMLINK_NOFOLLOW};
use super::SyscallResult;
use crate::fs;
use crate::mm::usercopy::copy_from_user;
use crate::process;

const UTIME_NOW: i64 = 0x3fff_ffff;
const UTIME_OMIT: i64 = 0x3fff_fffe;

pub fn sys_utimensat(dirfd: u64, path: u64, times: u64, flags: u64) -> SyscallResult {
    let node = if path == 0 {
        process::with_current(|p| p.fds.get(dirfd))??.node.clone()
    } else {
        let path = user_path(path)?;
        let base = base_dir(dirfd, &path)?;
        fs::resolve(&base, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?
    };
    let now = crate::arch::timer::now_ns();
    // Setting the current time takes ownership or write permission (EACCES);
    // an explicit time takes ownership (EPERM), as Linux's utimes checks.
    let mut explicit = false;
    let mtime = if times == 0 {
        Some(now)
    } else {
        let mut raw = [0u8; 32];
        copy_from_user(&mut raw, times)?;
        let sec = i64::from_le_bytes(raw[16..24].try_into().expect("8 bytes"));
        let nsec = i64::from_le_bytes(raw[24..32].try_into().expect("8 bytes"));
        match nsec {
            UTIME_NOW => Some(now),
            UTIME_OMIT => None,
            n if (0..1_000_000_000).contains(&n) && sec >= 0 => {
                explicit = true;
                Some(sec as u64 * 1_000_000_000 + n as u64)
            }
            _ => return Err(Errno::EINVAL),
        }
    };
    let creds = process::current_creds();
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
