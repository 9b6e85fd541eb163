//! munmap(2).

use super::SyscallResult;
use crate::process;

pub fn sys_munmap(addr: u64, len: u64) -> SyscallResult {
    process::with_current(|p| process::munmap(p, addr, len))?.map(|()| 0)
}
