//! brk(2): returns the (possibly new) program break; never an error code.
//! The break is the address space's: processes sharing it (CLONE_VM) share it.

use super::SyscallResult;
use crate::process;

pub fn sys_brk(addr: u64) -> SyscallResult {
    Ok(process::brk_shared(addr)? as usize)
}
