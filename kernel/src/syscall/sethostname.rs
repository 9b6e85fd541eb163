//! sethostname(2).

use kernel_abi::Errno;

use super::args::UserSlice;
use super::current::current;
use super::SyscallResult;

/// Linux's __NEW_UTS_LEN.
const MAX_LEN: usize = 64;

pub fn sys_sethostname(name: UserSlice) -> SyscallResult {
    current().require_privileged()?; // CAP_SYS_ADMIN
    if name.len() > MAX_LEN {
        return Err(Errno::EINVAL);
    }
    let mut buf = alloc::vec![0u8; name.len()];
    name.read_into(&mut buf)?;
    let s = core::str::from_utf8(&buf).map_err(|_| Errno::EINVAL)?;
    crate::set_hostname(s);
    Ok(0)
}
