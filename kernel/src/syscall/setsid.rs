//! setsid(2): EPERM for a process-group leader.

use kernel_abi::Errno;

use super::current::current;
use super::SyscallResult;

pub fn sys_setsid() -> SyscallResult {
    current().with(|p| {
        if p.pgid == p.pid {
            return Err(Errno::EPERM);
        }
        p.sid = p.pid;
        p.pgid = p.pid;
        Ok(p.pid as usize)
    })
}
