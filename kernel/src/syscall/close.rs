//! close(2): also drops the process's record locks on the file.

use super::SyscallResult;
use crate::process;

pub fn sys_close(fd: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.close(fd))??;
    crate::fs::lock::release(process::current_pid(), &*file.node);
    drop(file);
    Ok(0)
}
