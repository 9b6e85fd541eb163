//! mremap(2) of anonymous memory (process::memory::mremap).

use super::SyscallResult;
use crate::process;

pub fn sys_mremap(old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> SyscallResult {
    process::with_current(|p| process::mremap(p, old, old_len, new_len, flags, new_addr))?.map(|a| a as usize)
}
