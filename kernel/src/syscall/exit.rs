//! exit(2) ends the calling thread (the process ends with its last one);
//! exit_group(2) ends every thread of the process (process::group_exit).

use super::SyscallResult;

pub fn sys_exit(code: i32) -> SyscallResult {
    crate::process::exit_thread(code)
}

pub fn sys_exit_group(code: i32) -> SyscallResult {
    // The wait status of a normal exit: the code in bits 8..16.
    crate::process::exit_group(code)
}
