//! faccessat(2): existence, then the permission bits checked with the
//! REAL uid and gid (what access(2) is for), root's overrides included.

use kernel_abi::Errno;

use super::args::{user_path, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;

/// R_OK | W_OK | X_OK (F_OK is 0).
const MODE_MASK: u32 = 7;

pub fn sys_faccessat(dirfd: DirFd, path: UserCStr, mode: u32) -> SyscallResult {
    if mode & !MODE_MASK != 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let creds = current().creds().as_real();
    let node = fs::resolve_as(&base, &path, true, &creds)?;
    if mode != 0 {
        fs::access::check(&node.attr()?, &creds, mode)?;
    }
    Ok(0)
}
