//! read(2).

use super::args::{Fd, UserSlice};
use super::current::current;
use super::SyscallResult;

/// The kernel buffer's size: larger reads go through it in pieces.
const CHUNK: usize = 64 << 10;

/// Files and the memory devices fill the whole request, as on Linux (`dd
/// bs=1M` from /dev/zero reads whole blocks); pipes and terminals return
/// what one read gives.
pub fn sys_read(fd: Fd, buf: UserSlice) -> SyscallResult {
    let file = current().file(fd)?;
    let len = buf.len();
    let mut kbuf = super::fs_util::scratch(len.min(CHUNK))?;
    let mut done = 0;
    loop {
        let want = (len - done).min(CHUNK);
        let n = match file.read(&mut kbuf[..want]) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        if let Err(e) = buf.skip(done).write_from(&kbuf[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += n;
        if n < want || done == len || !file.reads_fully() {
            break;
        }
    }
    Ok(done)
}
