//! getpid(2) and gettid(2) (one thread per process: the same id).

use super::current::current;
use super::SyscallResult;

pub fn sys_getpid() -> SyscallResult {
    Ok(current().pid() as usize)
}
