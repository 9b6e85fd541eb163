//! symlinkat(2).

use kernel_abi::Errno;

use super::args::{user_path, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs::{self, Data, Inode, S_IFLNK};

pub fn sys_symlinkat(target: UserCStr, dirfd: DirFd, path: UserCStr) -> SyscallResult {
    let target = user_path(target)?;
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let (dir, name) = fs::resolve_parent(&base, &path)?;
    if dir.child(name).is_some() {
        return Err(Errno::EEXIST);
    }
    let creds = current().creds();
    fs::access::may_create(&dir, &creds)?;
    fs::check_space(target.len())?;
    let node = Inode::new(dir.fs, S_IFLNK | 0o777, Data::Symlink(target));
    fs::access::set_owner(&node, &dir, &creds);
    fs::insert(&dir, name, node)?;
    Ok(0)
}
