//! getcwd(2): the length written, NUL included; ERANGE when it does not fit.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;
use crate::process;

pub fn sys_getcwd(buf: u64, size: u64) -> SyscallResult {
    let mut cwd = process::with_current(|p| p.cwd.clone())?.into_bytes();
    cwd.push(0);
    if (size as usize) < cwd.len() {
        return Err(Errno::ERANGE);
    }
    copy_to_user(buf, &cwd)?;
    Ok(cwd.len())
}
