//! lseek(2).

use super::args::Fd;
use super::current::current;
use super::SyscallResult;

pub fn sys_lseek(fd: Fd, offset: i64, whence: u32) -> SyscallResult {
    current().file(fd)?.seek(offset, whence).map(|o| o as usize)
}
