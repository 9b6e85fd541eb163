//! mremap(2) of anonymous memory (process::memory::mremap, which also
//! rejects unknown flags with EINVAL, as Linux).

use super::current::current;
use super::SyscallResult;
use crate::process;

/// `flags` is `unsigned long`; `new_addr` only counts with MREMAP_FIXED.
pub fn sys_mremap(old: u64, old_len: usize, new_len: usize, flags: u64, new_addr: u64) -> SyscallResult {
    current().with(|p| process::mremap(p, old, old_len as u64, new_len as u64, flags, new_addr)).map(|a| a as usize)
}
