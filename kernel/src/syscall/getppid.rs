//! getppid(2): orphans are reparented to init (1).

use super::SyscallResult;
use crate::process;

pub fn sys_getppid() -> SyscallResult {
    process::with_current(|p| p.ppid as usize)
}
