//! madvise(2): process::memory::madvise says which advice does what.

use super::current::current;
use super::SyscallResult;
use crate::process;

pub fn sys_madvise(addr: u64, len: usize, advice: i32) -> SyscallResult {
    // A negative advice is no advice Linux knows: EINVAL there too.
    let advice = u64::try_from(advice).unwrap_or(u64::MAX);
    current().with(|p| process::madvise(p, addr, len as u64, advice)).map(|()| 0)
}
