//! set_tid_address(2): records the clear-child-tid address; returns the tid.

use super::SyscallResult;
use crate::process;

pub fn sys_set_tid_address(_tidptr: u64) -> SyscallResult {
    // The address matters only for threads (futex wake on exit): not yet.
    Ok(process::current_pid() as usize)
}
