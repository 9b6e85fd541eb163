//! kill(2) (process-directed: delivered to one thread that does not block
//! the signal), tkill(2) and tgkill(2) (to one thread).

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

/// tkill(2): thread `tid` of any process.
pub fn sys_tkill(tid: Pid, sig: i32) -> SyscallResult {
    crate::process::thread::send_thread(None, tid.positive()?, signo(sig)).map(|()| 0)
}

/// tgkill(2): thread `tid` of process `tgid`; both ids must be positive
/// (EINVAL, as Linux); ESRCH when `tid` is not a thread of `tgid`.
pub fn sys_tgkill(tgid: Pid, tid: Pid, sig: i32) -> SyscallResult {
    let (tgid, tid) = (tgid.positive()?, tid.positive()?);
    crate::process::thread::send_thread(Some(tgid), tid, signo(sig)).map(|()| 0)
}
