//! faccessat(2): existence, then the permission bits checked with the
//! REAL uid and gid (what access(2) is for), root's overrides included.

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path};
use super::SyscallResult;
use crate::fs;

const F_OK_MASK: u64 = 7;

pub fn sys_faccessat(dirfd: u64, path: u64, mode: u64) -> SyscallResult {
    if mode & !F_OK_MASK != 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let creds = crate::process::current_creds().as_real();
    let node = fs::resolve_as(&base, &path, true, &creds)?;
    if mode != 0 {
        fs::access::check(&node.attr()?, &creds, mode as u32)?;
    }
    Ok(0)
}
