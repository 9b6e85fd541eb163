//! symlinkat(2).

use super::args::{user_path, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;
use kernel_abi::Errno;

pub fn sys_symlinkat(target: UserCStr, dirfd: DirFd, path: UserCStr) -> SyscallResult {
    let target = user_path(target)?;
    // Linux's getname: an empty target is ENOENT.
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let path = user_path(path)?;
    let parent = fs::resolve_parent(&base_dir(dirfd, &path)?, &path)?;
    fs::check_space(target.len())?;
    fs::ns().symlink(&parent, &target, &current().creds())?;
    Ok(0)
}
