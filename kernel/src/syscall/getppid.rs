//! getppid(2): orphans are reparented to init (1).

use super::current::current;
use super::SyscallResult;

pub fn sys_getppid() -> SyscallResult {
    current().with(|p| Ok(p.ppid as usize))
}
