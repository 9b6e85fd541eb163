//! kill(2), tkill(2), tgkill(2) (one thread per process: the tid is the pid).

use kernel_abi::Errno;

use super::args::Pid;
use super::SyscallResult;
use crate::process::signal;

/// A signal number as `send` takes it (a negative one is out of range: EINVAL).
fn signo(sig: i32) -> usize {
    usize::try_from(sig).unwrap_or(usize::MAX)
}

pub fn sys_kill(pid: Pid, sig: i32) -> SyscallResult {
    signal::send(i64::from(pid.raw()), signo(sig), signal::SI_USER).map(|()| 0)
}

/// tkill(2); tgkill(2) names the thread group too, which is the process.
pub fn sys_tkill(tid: Pid, sig: i32) -> SyscallResult {
    signal::send(i64::from(tid.positive()?), signo(sig), signal::SI_TKILL).map(|()| 0)
}

/// tgkill(2): both ids must be positive (EINVAL, as Linux); with one
/// thread per process the thread is the process, so `tgid` must be `tid`
/// (ESRCH otherwise).
pub fn sys_tgkill(tgid: Pid, tid: Pid, sig: i32) -> SyscallResult {
    let (tgid, tid) = (tgid.positive()?, tid.positive()?);
    if tgid != tid {
        return Err(Errno::ESRCH);
    }
    signal::send(i64::from(tid), signo(sig), signal::SI_TKILL).map(|()| 0)
}
