//! sethostname(2).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::copy_from_user;

pub fn sys_sethostname(name: u64, len: u64) -> SyscallResult {
    // CAP_SYS_ADMIN: only root (effective uid 0).
    if crate::process::current_creds().euid != 0 {
        return Err(Errno::EPERM);
    }
    if len > 64 {
        return Err(Errno::EINVAL);
    }
    let mut buf = alloc::vec![0u8; len as usize];
    copy_from_user(&mut buf, name)?;
    let s = core::str::from_utf8(&buf).map_err(|_| Errno::EINVAL)?;
    crate::set_hostname(s);
    Ok(0)
}
