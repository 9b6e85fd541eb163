//! setpgid(2), with Linux's rules in Linux's order (kernel/sys.c).

use kernel_abi::Errno;

use super::args::Pid;
use super::current::current;
use super::SyscallResult;
use crate::process;

/// `pid` 0 is the caller, `pgid` 0 is `pid`. A process may move itself or
/// a child of its own; the child must be in the caller's session (EPERM)
/// and not have called execve yet (EACCES); a session leader cannot move
/// (EPERM); the target group must exist in the caller's session (EPERM),
/// unless it is the process's own pid (a new group).
pub fn sys_setpgid(pid: Pid, pgid: Pid) -> SyscallResult {
    let me = current().pid();
    let pid = pid.or_current();
    let pgid = match pgid.raw() {
        0 => pid,
        g if g < 0 => return Err(Errno::EINVAL),
        g => g as u32,
    };
    let _irq = crate::arch::IrqGuard::new();
    let mut procs = process::PROCS.lock();
    let my_sid = procs.get(&me).ok_or(Errno::ESRCH)?.sid;
    let p = procs.get(&pid).filter(|_| pid != 0).ok_or(Errno::ESRCH)?;
    if p.ppid == me && pid != me {
        if p.sid != my_sid {
            return Err(Errno::EPERM);
        }
        if p.did_exec {
            return Err(Errno::EACCES);
        }
    } else if pid != me {
        return Err(Errno::ESRCH);
    }
    if p.sid == p.pid {
        return Err(Errno::EPERM);
    }
    if pgid != pid && !procs.values().any(|g| g.pid != 0 && g.pgid == pgid && g.sid == my_sid) {
        return Err(Errno::EPERM);
    }
    procs.get_mut(&pid).ok_or(Errno::ESRCH)?.pgid = pgid;
    Ok(0)
}
