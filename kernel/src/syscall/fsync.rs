//! fsync(2) and fdatasync(2): the inode's `sync` (nothing to write back
//! for the in-memory filesystems). fsync on what has no fsync operation
//! on Linux (pipes, terminals and other devices, procfs) is EINVAL there
//! too.

use kernel_abi::Errno;

use super::args::Fd;
use super::current::current;
use super::SyscallResult;
use crate::fs::file::Kind;

pub fn sys_fsync(fd: Fd) -> SyscallResult {
    let file = current().file(fd)?;
    let procfs = file.node.getattr()?.dev == crate::fs::procfs::PROC_FS;
    match &file.kind {
        Kind::Block(b) => {
            b.flush()?;
            Ok(0)
        }
        Kind::Inode if !procfs => {
            // Pages stored to through MAP_SHARED mappings go first.
            crate::fs::filemap::sync_file(&*file.node)?;
            file.node.sync()?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
