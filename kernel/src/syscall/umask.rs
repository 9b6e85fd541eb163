//! umask(2).

use super::SyscallResult;
use crate::process;

pub fn sys_umask(mask: u64) -> SyscallResult {
    process::with_current(|p| core::mem::replace(&mut p.umask, mask as u32 & 0o777) as usize)
}
