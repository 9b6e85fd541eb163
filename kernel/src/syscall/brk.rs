//! brk(2): returns the (possibly new) program break; never an error code.

use super::current::current;
use super::SyscallResult;
use crate::process;

pub fn sys_brk(addr: u64) -> SyscallResult {
    current().with(|p| Ok(process::brk(p, addr) as usize))
}
