//! sync(2), fsync(2), fdatasync(2): every filesystem is in memory, so
//! there is nothing to write back (the filesystems' `sync` does nothing
//! yet). fsync on what has no fsync operation on Linux (pipes, terminals
//! and other devices, procfs) is EINVAL there too.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::fs::file::Kind;
use crate::process;

pub fn sys_sync() -> SyscallResult {
    Ok(0)
}

/// fsync(2) and fdatasync(2).
pub fn sys_fsync(fd: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    let procfs = file.node.getattr()?.dev == crate::fs::procfs::PROC_FS;
    match file.kind {
        Kind::Inode if !procfs => {
            file.node.sync()?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
