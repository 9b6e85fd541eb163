//! faccessat(2): existence, and the permission bits for root (x needs some x bit).

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path};
use super::SyscallResult;
use crate::fs;

const X_OK: u64 = 1;

pub fn sys_faccessat(dirfd: u64, path: u64, mode: u64) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let node = fs::resolve(&base, &path, true)?;
    if mode & X_OK != 0 && !node.is_dir() && node.mode() & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    Ok(0)
}
