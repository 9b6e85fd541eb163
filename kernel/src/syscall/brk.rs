//! brk(2): returns the (possibly new) program break; never an error code.

use super::SyscallResult;
use crate::process;

pub fn sys_brk(addr: u64) -> SyscallResult {
    process::with_current(|p| process::brk(p, addr) as usize)
}
