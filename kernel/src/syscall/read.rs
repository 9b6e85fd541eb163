//! read(2) and readv(2).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process;

/// Largest single transfer through the kernel buffer.
const CHUNK: usize = 64 << 10;

pub fn sys_read(fd: u64, buf: u64, len: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    let mut kbuf = super::fs_util::scratch((len as usize).min(CHUNK))?;
    let n = file.read(&mut kbuf)?;
    copy_to_user(buf, &kbuf[..n])?;
    Ok(n)
}

pub fn sys_readv(fd: u64, iov: u64, count: u64) -> SyscallResult {
    if count > 1024 {
        return Err(Errno::EINVAL);
    }
    let mut total = 0;
    for i in 0..count {
        let mut raw = [0u8; 16];
        copy_from_user(&mut raw, iov + i * 16)?;
        let base = u64::from_le_bytes(raw[..8].try_into().expect("8 bytes"));
        let len = u64::from_le_bytes(raw[8..].try_into().expect("8 bytes"));
        if len == 0 {
            continue;
        }
        let n = sys_read(fd, base, len)?;
        total += n;
        if (n as u64) < len {
            break;
        }
    }
    Ok(total)
}
