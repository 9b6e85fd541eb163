//! mkdirat(2).

use super::args::{user_path, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;

pub fn sys_mkdirat(dirfd: DirFd, path: UserCStr, mode: u32) -> SyscallResult {
    let path = user_path(path)?;
    let parent = fs::resolve_parent(&base_dir(dirfd, &path)?, &path)?;
    fs::check_space(0)?;
    let umask = current().umask()?;
    fs::ns().mkdir(&parent, mode & 0o7777 & !umask, &current().creds())?;
    Ok(0)
}
