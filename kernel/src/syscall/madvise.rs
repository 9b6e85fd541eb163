//! madvise(2): process::memory::madvise says which advice does what.

use super::SyscallResult;
use crate::process;

pub fn sys_madvise(addr: u64, len: u64, advice: u64) -> SyscallResult {
    process::with_current(|p| process::madvise(p, addr, len, advice))?.map(|()| 0)
}
