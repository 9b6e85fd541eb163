//! readv(2): each buffer through read(2), until one comes back short.

use super::args::{read_iovecs, Fd, IoVec, UserPtr};
use super::read::sys_read;
use super::SyscallResult;

pub fn sys_readv(fd: Fd, iov: UserPtr<IoVec>, count: usize) -> SyscallResult {
    let mut total = 0;
    for buf in read_iovecs(iov, count)? {
        if buf.is_empty() {
            continue;
        }
        let n = sys_read(fd, buf)?;
        total += n;
        if n < buf.len() {
            break;
        }
    }
    Ok(total)
}
