//! sched_setaffinity(2) on a one-CPU kernel: CPU 0 is the only CPU there
//! is, so a mask must hold it (EINVAL otherwise, as Linux says for a mask
//! with no online CPU).

use kernel_abi::Errno;

use super::args::{Pid, UserSlice};
use super::current::current;
use super::SyscallResult;
use crate::process;

/// ESRCH unless `pid` (0: the caller) is a process.
pub fn check_pid(pid: Pid) -> Result<(), Errno> {
    if pid.raw() == 0 || process::exists(pid.raw() as u32) {
        Ok(())
    } else {
        Err(Errno::ESRCH)
    }
}

/// In Linux's order: the mask is copied in (EFAULT; a short one is
/// zero-filled), the process looked up (ESRCH), the caller's right to
/// change it checked (`check_same_owner`: EPERM), then the mask (EINVAL
/// without an online CPU).
pub fn sys_sched_setaffinity(pid: Pid, mask: UserSlice) -> SyscallResult {
    let mut first = [0u8; 1];
    if !mask.is_empty() {
        mask.read_into(&mut first)?;
    }
    let target = process::with_pid(pid.or_current(), |p| p.creds).ok_or(Errno::ESRCH)?;
    if !kernel_perm::may_set_scheduling(&current().creds(), &target) {
        return Err(Errno::EPERM);
    }
    if first[0] & 1 == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}
