//! sendfile(2): a read/write loop through a kernel buffer (any file types).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process;

const CHUNK: usize = 64 << 10;

pub fn sys_sendfile(out_fd: u64, in_fd: u64, offset: u64, count: u64) -> SyscallResult {
    let (out, input) = process::with_current(|p| -> Result<_, Errno> { Ok((p.fds.get(out_fd)?, p.fds.get(in_fd)?)) })??;
    let mut buf = super::fs_util::scratch(CHUNK.min(count as usize))?;
    // With an offset pointer, read from there and leave the file offset alone.
    let saved = if offset != 0 {
        let mut raw = [0u8; 8];
        copy_from_user(&mut raw, offset)?;
        let start = i64::from_le_bytes(raw);
        if start < 0 {
            return Err(Errno::EINVAL);
        }
        let old = *input.offset.lock();
        *input.offset.lock() = start as u64;
        Some(old)
    } else {
        None
    };
    let mut done = 0usize;
    let result = loop {
        if done as u64 >= count {
            break Ok(done);
        }
        let want = (count as usize - done).min(buf.len());
        let n = match input.read(&mut buf[..want]) {
            Ok(0) => break Ok(done),
            Ok(n) => n,
            Err(e) => break if done > 0 { Ok(done) } else { Err(e) },
        };
        match out.write(&buf[..n]) {
            Ok(w) => {
                done += w;
                if w < n {
                    break Ok(done);
                }
            }
            Err(e) => break if done > 0 { Ok(done) } else { Err(e) },
        }
    };
    if let Some(old) = saved {
        let end = *input.offset.lock();
        *input.offset.lock() = old;
        copy_to_user(offset, &end.to_le_bytes())?;
    }
    result
}
