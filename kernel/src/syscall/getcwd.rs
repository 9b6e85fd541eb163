//! getcwd(2): the working directory's path, rebuilt from its dentry's
//! parent links (so renames above it show); ENOENT once it was removed,
//! ERANGE when it does not fit; the length written, NUL included.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::fs;
use crate::mm::usercopy::copy_to_user;

pub fn sys_getcwd(buf: u64, size: u64) -> SyscallResult {
    let mut cwd = fs::ns().path_of(&fs::cwd())?.into_bytes();
    cwd.push(0);
    if (size as usize) < cwd.len() {
        return Err(Errno::ERANGE);
    }
    copy_to_user(buf, &cwd)?;
    Ok(cwd.len())
}
