//! getpid(2) (the thread group id) and gettid(2) (the calling thread's id).

use super::current::current;
use super::SyscallResult;

pub fn sys_getpid() -> SyscallResult {
    Ok(current().pid() as usize)
}

pub fn sys_gettid() -> SyscallResult {
    Ok(crate::process::current_tid() as usize)
}
