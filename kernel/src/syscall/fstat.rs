//! fstat(2).

use super::args::{Fd, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::fs;

/// arm64 `struct stat` (`fs::stat_bytes` lays it out).
pub type StatBuf = [u8; 128];

pub fn sys_fstat(fd: Fd, statbuf: UserPtr<StatBuf>) -> SyscallResult {
    let file = current().file(fd)?;
    statbuf.write(&fs::stat_bytes(&file.node.getattr()?))?;
    Ok(0)
}
