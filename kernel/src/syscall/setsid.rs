//! setsid(2): EPERM for a session leader and whenever a process group
//! with the caller's pid exists (the caller leads one, or a group it
//! left still has members), as Linux. The new session has no controlling
//! terminal: a terminal belongs to a session id, and this one is new.

use kernel_abi::Errno;

use super::current::current;
use super::SyscallResult;
use crate::process;

pub fn sys_setsid() -> SyscallResult {
    let me = current().pid();
    let _irq = crate::arch::IrqGuard::new();
    let mut procs = process::PROCS.lock();
    if procs.values().any(|p| p.pid != 0 && (p.pgid == me || p.sid == me)) {
        return Err(Errno::EPERM);
    }
    let p = procs.get_mut(&me).ok_or(Errno::ESRCH)?;
    p.sid = me;
    p.pgid = me;
    Ok(me as usize)
}
