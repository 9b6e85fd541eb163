//! dup(2).

use super::args::Fd;
use super::current::current;
use super::SyscallResult;

pub fn sys_dup(fd: Fd) -> SyscallResult {
    current().with(|p| {
        let f = p.fds.get(fd.index())?;
        p.fds.insert(f, false)
    })
}
