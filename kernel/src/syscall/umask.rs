//! umask(2): the old mask.

use super::current::current;
use super::SyscallResult;

pub fn sys_umask(mask: u32) -> SyscallResult {
    current().with(|p| Ok(core::mem::replace(&mut p.umask, mask & 0o777) as usize))
}
