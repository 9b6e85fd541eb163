//! syncfs(2): the filesystem holding `fd` writes back, then FLUSH (ext2:
//! all of its dirty data and metadata; in-memory filesystems have nothing
//! to write). A file on no filesystem of ours that syncs (a pipe, a
//! socket) syncs nothing, as Linux's anonymous filesystems.

use super::args::Fd;
use super::current::current;
use super::SyscallResult;

pub fn sys_syncfs(fd: Fd) -> SyscallResult {
    let file = current().file(fd)?;
    let dev = file.node.getattr()?.dev;
    // Pages stored to through MAP_SHARED mappings reach their files first.
    crate::fs::filemap::collect()?;
    for m in crate::fs::ns().mounts() {
        if m.sb.fs.dev() == dev {
            m.sb.fs.sync()?;
            break;
        }
    }
    Ok(0)
}
