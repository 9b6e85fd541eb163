//! sendfile(2): a read/write loop through a kernel buffer (any file types).

use kernel_abi::Errno;

use super::args::{Fd, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::fs::file::O_APPEND;

const CHUNK: usize = 64 << 10;

pub fn sys_sendfile(out_fd: Fd, in_fd: Fd, offset: UserPtr<i64>, count: usize) -> SyscallResult {
    let (out, input) = (current().file(out_fd)?, current().file(in_fd)?);
    // Linux (do_splice_direct): an O_APPEND destination is EINVAL.
    if *out.flags.lock() & O_APPEND != 0 {
        return Err(Errno::EINVAL);
    }
    let mut buf = super::fs_util::scratch(CHUNK.min(count))?;
    // With an offset pointer, read from there and leave the file offset alone.
    let offset = offset.nonnull();
    let saved = match offset {
        Some(at) => {
            let start = at.read()?;
            if start < 0 {
                return Err(Errno::EINVAL);
            }
            let old = *input.offset.lock();
            *input.offset.lock() = start as u64;
            Some(old)
        }
        None => None,
    };
    let mut done = 0usize;
    let result = loop {
        if done >= count {
            break Ok(done);
        }
        let want = (count - done).min(buf.len());
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
    if let (Some(old), Some(at)) = (saved, offset) {
        let end = *input.offset.lock();
        *input.offset.lock() = old;
        at.write(&(end as i64))?;
    }
    result
}
