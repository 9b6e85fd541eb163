//! lseek(2).

use super::SyscallResult;
use crate::process;

pub fn sys_lseek(fd: u64, offset: u64, whence: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    file.seek(offset as i64, whence as u32).map(|o| o as usize)
}
