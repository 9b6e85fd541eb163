//! mkdirat(2).

use kernel_abi::Errno;

use super::args::{user_path, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs::{self, Inode};

pub fn sys_mkdirat(dirfd: DirFd, path: UserCStr, mode: u32) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let (dir, name) = fs::resolve_parent(&base, &path)?;
    if dir.child(name).is_some() {
        return Err(Errno::EEXIST);
    }
    let creds = current().creds();
    fs::access::may_create(&dir, &creds)?;
    fs::check_space(0)?;
    let umask = current().umask()?;
    let node = Inode::new_dir(dir.fs, mode & 0o7777 & !umask);
    fs::access::set_owner(&node, &dir, &creds);
    fs::insert(&dir, name, node)?;
    Ok(0)
}
