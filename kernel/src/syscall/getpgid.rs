//! getpgid(2).

use kernel_abi::Errno;

use super::args::Pid;
use super::SyscallResult;
use crate::process;

pub fn sys_getpgid(pid: Pid) -> SyscallResult {
    process::with_pid(pid.or_current(), |p| p.pgid as usize).ok_or(Errno::ESRCH)
}
