//! kill(2), tkill(2), tgkill(2) (one thread per process: the tid is the pid).

use super::SyscallResult;
use crate::process::signal;

pub fn sys_kill(pid: u64, sig: u64) -> SyscallResult {
    signal::send(pid as i64 as i32 as i64, sig as usize).map(|()| 0)
}

pub fn sys_tkill(tid: u64, sig: u64) -> SyscallResult {
    if tid as i64 <= 0 {
        return Err(kernel_abi::Errno::EINVAL);
    }
    signal::send(tid as i64, sig as usize).map(|()| 0)
}
