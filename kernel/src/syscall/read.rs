//! read(2).

use super::args::{Fd, UserSlice};
use super::current::current;
use super::SyscallResult;

/// Largest single transfer through the kernel buffer.
const CHUNK: usize = 64 << 10;

pub fn sys_read(fd: Fd, buf: UserSlice) -> SyscallResult {
    let file = current().file(fd)?;
    let mut kbuf = super::fs_util::scratch(buf.len().min(CHUNK))?;
    let n = file.read(&mut kbuf)?;
    buf.write_from(&kbuf[..n])?;
    Ok(n)
}
