//! sched_yield(2).

use super::SyscallResult;

pub fn sys_sched_yield() -> SyscallResult {
    crate::process::sched::schedule();
    Ok(0)
}
