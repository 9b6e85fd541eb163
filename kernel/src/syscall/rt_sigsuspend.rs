//! rt_sigsuspend(2): waits with a temporary mask for a signal; always EINTR.

use kernel_abi::Errno;

use super::args::UserPtr;
use super::SyscallResult;

pub fn sys_rt_sigsuspend(mask: UserPtr<u64>, sigsetsize: usize) -> SyscallResult {
    let mask = mask.read()?;
    if sigsetsize != 8 {
        return Err(Errno::EINVAL);
    }
    Err(crate::process::signal::suspend(mask))
}
