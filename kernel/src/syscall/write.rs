//! write(2).

use super::args::{Fd, UserSlice};
use super::current::current;
use super::SyscallResult;

const CHUNK: usize = 64 << 10;

pub fn sys_write(fd: Fd, buf: UserSlice) -> SyscallResult {
    let file = current().file(fd)?;
    let mut kbuf = super::fs_util::scratch(buf.len().min(CHUNK))?;
    let mut done = 0;
    while done < buf.len() {
        let n = (buf.len() - done).min(CHUNK);
        if let Err(e) = buf.skip(done).read_into(&mut kbuf[..n]) {
            // Linux returns the bytes written before the fault, else EFAULT.
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let w = file.write(&kbuf[..n])?;
        done += w;
        if w < n {
            break;
        }
    }
    Ok(done)
}
