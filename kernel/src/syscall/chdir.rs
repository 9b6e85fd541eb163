//! chdir(2).

use kernel_abi::Errno;

use super::fs_util::user_path;
use super::SyscallResult;
use crate::fs;
use crate::process;

pub fn sys_chdir(path: u64) -> SyscallResult {
    let path = user_path(path)?;
    let cwd = process::with_current(|p| p.cwd.clone())?;
    let node = fs::resolve(&cwd, &path, true)?;
    if !node.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    fs::access::check(&node, &process::current_creds(), kernel_perm::MAY_EXEC)?;
    let new = kernel_path::join(&cwd, &path);
    process::with_current(|p| p.cwd = new)?;
    Ok(0)
}
