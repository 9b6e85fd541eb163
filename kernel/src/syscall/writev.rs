//! writev(2): each buffer through write(2); an error after some bytes
//! were written ends the call with their count.

use super::args::{read_iovecs, Fd, IoVec, UserPtr};
use super::write::sys_write;
use super::SyscallResult;

pub fn sys_writev(fd: Fd, iov: UserPtr<IoVec>, count: usize) -> SyscallResult {
    let mut total = 0;
    for buf in read_iovecs(iov, count)? {
        match sys_write(fd, buf) {
            Ok(n) => {
                total += n;
                if n < buf.len() {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}
