//! fsync(2) and fdatasync(2): every filesystem is in memory, so there is
//! nothing to write back. fsync on what has no fsync operation on Linux
//! (pipes, terminals and other devices, procfs) is EINVAL there too.

use kernel_abi::Errno;

use super::args::Fd;
use super::current::current;
use super::SyscallResult;
use crate::fs::Data;

pub fn sys_fsync(fd: Fd) -> SyscallResult {
    let file = current().file(fd)?;
    let syncable = matches!(&*file.node.data.lock(), Data::File(_) | Data::Dir(_));
    if syncable {
        Ok(0)
    } else {
        Err(Errno::EINVAL)
    }
}
