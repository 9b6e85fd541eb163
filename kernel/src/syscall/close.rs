//! close(2): also drops the process's record locks on the file.

use super::args::Fd;
use super::current::current;
use super::SyscallResult;

pub fn sys_close(fd: Fd) -> SyscallResult {
    let file = current().with(|p| p.fds.close(fd.index()))?;
    crate::fs::lock::release(current().pid(), &*file.node);
    drop(file);
    Ok(0)
}
