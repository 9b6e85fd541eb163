//! write(2).

use super::SyscallResult;
use crate::mm::usercopy::copy_from_user;
use crate::process;

const CHUNK: usize = 64 << 10;

pub fn sys_write(fd: u64, buf: u64, len: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    let len = len as usize;
    let mut kbuf = super::fs_util::scratch(len.min(CHUNK))?;
    let mut done = 0;
    while done < len {
        let n = (len - done).min(CHUNK);
        if let Err(e) = copy_from_user(&mut kbuf[..n], buf + done as u64) {
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
