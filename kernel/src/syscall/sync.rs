//! sync(2), fsync(2), fdatasync(2): every filesystem is in memory, so
//! there is nothing to write back. fsync on what has no fsync operation on
//! Linux (pipes, terminals and other devices, procfs) is EINVAL there too.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::fs::Data;
use crate::process;

pub fn sys_sync() -> SyscallResult {
    Ok(0)
}

/// fsync(2) and fdatasync(2).
pub fn sys_fsync(fd: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    let syncable = matches!(&*file.node.data.lock(), Data::File(_) | Data::Dir(_));
    if syncable {
        Ok(0)
    } else {
        Err(Errno::EINVAL)
    }
}
