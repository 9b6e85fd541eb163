//! setpgid(2), getpgid(2), setsid(2), getsid(2).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::process;

pub fn sys_setpgid(pid: u64, pgid: u64) -> SyscallResult {
    let me = process::current_pid();
    let pid = if pid == 0 { me } else { pid as u32 };
    let pgid = if pgid == 0 { pid } else { pgid as u32 };
    if pid != me && process::with_pid(pid, |p| p.ppid) != Some(me) {
        return Err(Errno::ESRCH);
    }
    let _irq = crate::arch::IrqGuard::new();
    let mut procs = process::PROCS.lock();
    let p = procs.get_mut(&pid).ok_or(Errno::ESRCH)?;
    if p.sid == p.pid {
        return Err(Errno::EPERM);
    }
    p.pgid = pgid;
    Ok(0)
}

pub fn sys_getpgid(pid: u64) -> SyscallResult {
    let pid = if pid == 0 { process::current_pid() } else { pid as u32 };
    process::with_pid(pid, |p| p.pgid as usize).ok_or(Errno::ESRCH)
}

pub fn sys_setsid() -> SyscallResult {
    process::with_current(|p| {
        if p.pgid == p.pid {
            return Err(Errno::EPERM);
        }
        p.sid = p.pid;
        p.pgid = p.pid;
        Ok(p.pid as usize)
    })?
}

pub fn sys_getsid(pid: u64) -> SyscallResult {
    let pid = if pid == 0 { process::current_pid() } else { pid as u32 };
    process::with_pid(pid, |p| p.sid as usize).ok_or(Errno::ESRCH)
}
