//! chdir(2).

use kernel_abi::Errno;

use super::args::{user_path, UserCStr};
use super::current::current;
use super::SyscallResult;
use crate::fs;

pub fn sys_chdir(path: UserCStr) -> SyscallResult {
    let path = user_path(path)?;
    let cwd = current().cwd()?;
    let node = fs::resolve(&cwd, &path, true)?;
    if !node.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    fs::access::check(&node, &current().creds(), kernel_perm::MAY_EXEC)?;
    let new = kernel_path::join(&cwd, &path);
    current().with(|p| {
        p.cwd = new;
        Ok(0)
    })
}
