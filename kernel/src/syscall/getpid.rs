//! getpid(2).

use super::SyscallResult;

pub fn sys_getpid() -> SyscallResult {
    Ok(crate::process::current_pid() as usize)
}
