//! munmap(2).

use super::current::current;
use super::SyscallResult;
use crate::process;

pub fn sys_munmap(addr: u64, len: usize) -> SyscallResult {
    current().with(|p| process::munmap(p, addr, len as u64)).map(|()| 0)
}
