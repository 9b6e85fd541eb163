//! sched_setaffinity(2) on a one-CPU kernel: CPU 0 is the only CPU there
//! is, so a mask must hold it (EINVAL otherwise, as Linux says for a mask
//! with no online CPU).

use kernel_abi::Errno;

use super::args::{Pid, UserSlice};
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

pub fn sys_sched_setaffinity(pid: Pid, mask: UserSlice) -> SyscallResult {
    check_pid(pid)?;
    if mask.is_empty() {
        return Err(Errno::EINVAL);
    }
    let mut first = [0u8; 1];
    mask.read_into(&mut first)?;
    if first[0] & 1 == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}
