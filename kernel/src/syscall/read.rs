//! read(2) and readv(2).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process;

/// Largest single transfer through the kernel buffer.
const CHUNK: usize = 64 << 10;

/// Reads through the kernel buffer a chunk at a time. Files and the
/// memory devices fill the whole request, as on Linux (`dd bs=1M` from
/// /dev/zero reads whole blocks); pipes and terminals return what one
/// read gives.
pub fn sys_read(fd: u64, buf: u64, len: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    let len = len as usize;
    let mut kbuf = super::fs_util::scratch(len.min(CHUNK))?;
    let mut done = 0;
    loop {
        let want = (len - done).min(CHUNK);
        let n = match file.read(&mut kbuf[..want]) {
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
