//! close(2).

use super::SyscallResult;
use crate::process;

pub fn sys_close(fd: u64) -> SyscallResult {
    process::with_current(|p| p.fds.close(fd))?.map(|()| 0)
}
