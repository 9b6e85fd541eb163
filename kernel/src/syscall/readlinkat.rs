//! readlinkat(2) and symlinkat(2).

use super::fs_util::{base_dir, user_path};
use super::SyscallResult;
use crate::fs;
use crate::mm::usercopy::copy_to_user;

pub fn sys_readlinkat(dirfd: u64, path: u64, buf: u64, size: u64) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let target = fs::resolve(&base, &path, false)?.inode().readlink()?;
    let n = target.len().min(size as usize);
    copy_to_user(buf, &target.as_bytes()[..n])?;
    Ok(n)
}

pub fn sys_symlinkat(target: u64, dirfd: u64, path: u64) -> SyscallResult {
    let target = user_path(target)?;
    let path = user_path(path)?;
    let parent = fs::resolve_parent(&base_dir(dirfd, &path)?, &path)?;
    fs::check_space(target.len())?;
    fs::ns().symlink(&parent, &target, &crate::process::current_creds())?;
    Ok(0)
}
