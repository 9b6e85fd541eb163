//! setpgid(2).

use kernel_abi::Errno;

use super::args::Pid;
use super::current::current;
use super::SyscallResult;
use crate::process;

/// `pid` 0 is the caller, `pgid` 0 is `pid`.
pub fn sys_setpgid(pid: Pid, pgid: Pid) -> SyscallResult {
    let me = current().pid();
    let pid = pid.or_current();
    let pgid = if pgid.raw() == 0 { pid } else { pgid.raw() as u32 };
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
