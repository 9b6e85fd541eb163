//! fallocate(2): mode 0 and FALLOC_FL_KEEP_SIZE allocate the range (ENOSPC
//! when memory runs out), FALLOC_FL_PUNCH_HOLE|KEEP_SIZE frees it; other
//! modes EOPNOTSUPP, as Linux's tmpfs. EBADF unless open for writing,
//! EINVAL for a negative offset or a length <= 0, ESPIPE on a pipe,
//! ENODEV on other non-regular files, EISDIR on a directory.

use kernel_abi::Errno;
use kernel_vfs::Fallocate;

use super::args::Fd;
use super::current::current;
use super::SyscallResult;
use crate::fs::file::Kind;

const FALLOC_FL_KEEP_SIZE: i32 = 0x01;
const FALLOC_FL_PUNCH_HOLE: i32 = 0x02;

pub fn sys_fallocate(fd: Fd, mode: i32, offset: i64, len: i64) -> SyscallResult {
    let file = current().file(fd)?;
    if offset < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    let how = match mode {
        0 => Fallocate::Allocate { keep_size: false },
        FALLOC_FL_KEEP_SIZE => Fallocate::Allocate { keep_size: true },
        m if m == FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE => Fallocate::PunchHole,
        _ => return Err(Errno::EOPNOTSUPP),
    };
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    match file.kind {
        Kind::Pipe(_) => return Err(Errno::ESPIPE),
        Kind::Inode => {}
        _ => return Err(Errno::ENODEV),
    }
    if offset.checked_add(len).is_none() {
        return Err(Errno::EFBIG);
    }
    crate::fs::check_space(0)?;
    file.node.fallocate(how, offset as u64, len as u64)?;
    if how == Fallocate::PunchHole {
        crate::fs::filemap::zeroed(&*file.node, offset as u64, (offset + len) as u64);
    }
    Ok(0)
}
