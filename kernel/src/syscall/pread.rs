//! pread64(2), pwrite64(2), preadv(2) and pwritev(2): at an offset, the
//! file position untouched (ESPIPE on pipes and terminals, EINVAL for a
//! negative offset).

use kernel_abi::Errno;

use super::args::{read_iovecs, Fd, IoVec, UserPtr, UserSlice};
use super::current::current;
use super::SyscallResult;

/// The kernel buffer's size: larger transfers go through it in pieces.
const CHUNK: usize = 64 << 10;

pub fn sys_pread64(fd: Fd, buf: UserSlice, offset: i64) -> SyscallResult {
    let file = current().file(fd)?;
    let offset = u64::try_from(offset).map_err(|_| Errno::EINVAL)?;
    let len = buf.len();
    let mut kbuf = super::fs_util::scratch(len.min(CHUNK))?;
    let mut done = 0;
    loop {
        let want = (len - done).min(CHUNK);
        let n = match file.pread(offset.saturating_add(done as u64), &mut kbuf[..want]) {
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

pub fn sys_pwrite64(fd: Fd, buf: UserSlice, offset: i64) -> SyscallResult {
    let file = current().file(fd)?;
    let offset = u64::try_from(offset).map_err(|_| Errno::EINVAL)?;
    let len = buf.len();
    let mut kbuf = super::fs_util::scratch(len.min(CHUNK))?;
    let mut done = 0;
    while done < len {
        let n = (len - done).min(CHUNK);
        if let Err(e) = buf.skip(done).read_into(&mut kbuf[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let w = match file.pwrite(offset.saturating_add(done as u64), &kbuf[..n]) {
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

/// preadv(2): pread64 into each buffer in turn, from `offset` on (a short
/// one ends it). The offset is one 64-bit register on arm64 (the second,
/// high half is 0 there).
pub fn sys_preadv(fd: Fd, iov: UserPtr<IoVec>, count: usize, offset: i64) -> SyscallResult {
    vectored_at(iov, count, offset, |buf, at| sys_pread64(fd, buf, at))
}

/// pwritev(2): pwrite64 of each buffer in turn, from `offset` on.
pub fn sys_pwritev(fd: Fd, iov: UserPtr<IoVec>, count: usize, offset: i64) -> SyscallResult {
    vectored_at(iov, count, offset, |buf, at| sys_pwrite64(fd, buf, at))
}

/// Runs `one` over each non-empty buffer of the iovec array at advancing
/// offsets; a short transfer ends it, an error after some progress too.
fn vectored_at(
    iov: UserPtr<IoVec>,
    count: usize,
    offset: i64,
    mut one: impl FnMut(UserSlice, i64) -> SyscallResult,
) -> SyscallResult {
    let bufs = read_iovecs(iov, count)?;
    let mut offset = u64::try_from(offset).map_err(|_| Errno::EINVAL)?;
    let mut total = 0;
    for buf in bufs.into_iter().filter(|b| !b.is_empty()) {
        let len = buf.len();
        let n = match one(buf, offset as i64) {
            Ok(n) => n,
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        };
        total += n;
        offset = offset.saturating_add(n as u64);
        if n < len {
            break;
        }
    }
    Ok(total)
}
