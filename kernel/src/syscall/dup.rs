//! dup(2) and dup3(2).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::fs::file::O_CLOEXEC;
use crate::process;

pub fn sys_dup(fd: u64) -> SyscallResult {
    process::with_current(|p| {
        let f = p.fds.get(fd)?;
        p.fds.insert(f, false)
    })?
}

pub fn sys_dup3(old: u64, new: u64, flags: u64) -> SyscallResult {
    if old == new || flags & !(O_CLOEXEC as u64) != 0 {
        return Err(Errno::EINVAL);
    }
    process::with_current(|p| {
        let f = p.fds.get(old)?;
        p.fds.set(new as usize, f, flags & O_CLOEXEC as u64 != 0)?;
        Ok(new as usize)
    })?
}
