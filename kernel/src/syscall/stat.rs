//! newfstatat(2) and fstat(2).

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use super::SyscallResult;
use crate::fs;
use crate::mm::usercopy::copy_to_user;
use crate::process;

pub fn sys_newfstatat(dirfd: u64, path: u64, statbuf: u64, flags: u64) -> SyscallResult {
    let path = user_path(path)?;
    let attr = if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if dirfd as i64 as i32 == AT_FDCWD as i32 {
            fs::cwd().attr()?
        } else {
            process::with_current(|p| p.fds.get(dirfd))??.node.getattr()?
        }
    } else {
        let base = base_dir(dirfd, &path)?;
        fs::resolve(&base, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?.attr()?
    };
    copy_to_user(statbuf, &fs::stat_bytes(&attr))?;
    Ok(0)
}

pub fn sys_fstat(fd: u64, statbuf: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    copy_to_user(statbuf, &fs::stat_bytes(&file.node.getattr()?))?;
    Ok(0)
}
