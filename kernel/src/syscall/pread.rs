//! pread64(2) and pwrite64(2): at an offset, the file position untouched
//! (ESPIPE on pipes and terminals, EINVAL for a negative offset).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process;

/// Largest single transfer through the kernel buffer (a short count
/// beyond, as Linux may return).
const CHUNK: usize = 64 << 10;

pub fn sys_pread64(fd: u64, buf: u64, len: u64, offset: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut kbuf = super::fs_util::scratch((len as usize).min(CHUNK))?;
    let n = file.pread(offset, &mut kbuf)?;
    copy_to_user(buf, &kbuf[..n])?;
    Ok(n)
}

pub fn sys_pwrite64(fd: u64, buf: u64, len: u64, offset: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    if (offset as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut kbuf = super::fs_util::scratch((len as usize).min(CHUNK))?;
    copy_from_user(&mut kbuf, buf)?;
    file.pwrite(offset, &kbuf)
}
