//! getdents64(2). The file position is the filesystem's readdir cookie
//! (each record's `d_off` resumes after it), so unlinking while reading
//! (rm -r) skips nothing.

use kernel_abi::Errno;

use super::args::{Fd, UserSlice};
use super::current::current;
use super::SyscallResult;

/// Most bytes one call returns.
const MAX_BYTES: usize = 32 << 10;

pub fn sys_getdents64(fd: Fd, dirp: UserSlice) -> SyscallResult {
    let file = current().file(fd)?;
    if !matches!(file.kind, crate::fs::file::Kind::Inode) {
        return Err(Errno::ENOTDIR);
    }
    // One call returns at most this much (a short read, as Linux may).
    let count = dirp.len().min(MAX_BYTES);
    let mut out = super::fs_util::scratch(0)?;
    out.try_reserve_exact(count).map_err(|_| Errno::ENOMEM)?;
    let mut off = file.offset.lock();
    let mut too_small = false;
    file.node.readdir(*off, &mut |e| {
        let reclen = (19 + e.name.len() + 1).div_ceil(8) * 8;
        if out.len() + reclen > count {
            too_small = out.is_empty();
            return false;
        }
        let start = out.len();
        out.extend_from_slice(&e.ino.to_le_bytes());
        out.extend_from_slice(&e.next.to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        out.push(e.kind.dirent_type());
        out.extend_from_slice(e.name.as_bytes());
        out.resize(start + reclen, 0);
        *off = e.next;
        true
    })?;
    drop(off);
    file.accessed();
    if too_small {
        return Err(Errno::EINVAL);
    }
    dirp.write_from(&out)?;
    Ok(out.len())
}
