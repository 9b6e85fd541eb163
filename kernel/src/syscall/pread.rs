//! pread64(2) and pwrite64(2): at an offset, the file position untouched
//! (ESPIPE on pipes and terminals, EINVAL for a negative offset).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process;

/// The kernel buffer's size: larger transfers go through it in pieces.
const CHUNK: usize = 64 << 10;

pub fn sys_pread64(fd: u64, buf: u64, len: u64, offset: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let len = len as usize;
    let mut kbuf = super::fs_util::scratch(len.min(CHUNK))?;
    let mut done = 0;
    loop {
        let want = (len - done).min(CHUNK);
        let n = match file.pread(offset + done as u64, &mut kbuf[..want]) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Err(e) = copy_to_user(buf + done as u64, &kbuf[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += n;
        if n < want || done == len || !file.reads_fully() {
            break;
        }
    }
    Ok(done)
}

pub fn sys_pwrite64(fd: u64, buf: u64, len: u64, offset: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let len = len as usize;
    let mut kbuf = super::fs_util::scratch(len.min(CHUNK))?;
    let mut done = 0;
    while done < len {
        let n = (len - done).min(CHUNK);
        if let Err(e) = copy_from_user(&mut kbuf[..n], buf + done as u64) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let w = match file.pwrite(offset + done as u64, &kbuf[..n]) {
            Ok(w) => w,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        done += w;
        if w < n || !file.reads_fully() {
            break;
        }
    }
    Ok(done)
}
