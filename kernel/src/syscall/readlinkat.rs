//! readlinkat(2) and symlinkat(2).

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path};
use super::SyscallResult;
use crate::fs::{self, Data, Inode, S_IFLNK};
use crate::mm::usercopy::copy_to_user;

pub fn sys_readlinkat(dirfd: u64, path: u64, buf: u64, size: u64) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let node = fs::resolve(&base, &path, false)?;
    let target = match &*node.data.lock() {
        Data::Symlink(t) => t.clone(),
        _ => return Err(Errno::EINVAL),
    };
    let n = target.len().min(size as usize);
    copy_to_user(buf, &target.as_bytes()[..n])?;
    Ok(n)
}

pub fn sys_symlinkat(target: u64, dirfd: u64, path: u64) -> SyscallResult {
    let target = user_path(target)?;
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let (dir, name) = fs::resolve_parent(&base, &path)?;
    if dir.child(name).is_some() {
        return Err(Errno::EEXIST);
    }
    let creds = crate::process::current_creds();
    fs::access::may_create(&dir, &creds)?;
    fs::check_space(target.len())?;
    let node = Inode::new(dir.fs, S_IFLNK | 0o777, Data::Symlink(target));
    fs::access::set_owner(&node, &dir, &creds);
    fs::insert(&dir, name, node)?;
    Ok(0)
}
