//! rt_sigqueueinfo(2) (sigqueue(3)) and rt_tgsigqueueinfo(2): a signal
//! with the caller's own siginfo (si_code, si_pid, si_uid, si_value).
//! As Linux, only a negative si_code other than SI_TKILL may go to another
//! process (EPERM: no forging kill(2)'s or the kernel's). Real-time
//! signals queue (up to `signal::MAX_QUEUED` behind the pending one, then
//! EAGAIN); a standard one already pending is merged, as Linux.

use kernel_abi::Errno;

use super::args::{Pid, UserSlice};
use super::SyscallResult;
use crate::process;
use crate::process::signal::{self, SigInfo, SIGINFO_SIZE, SI_TKILL};

/// The parts of the caller's siginfo we keep.
fn read_info(uinfo: UserSlice) -> Result<SigInfo, Errno> {
    let mut b = [0u8; SIGINFO_SIZE as usize];
    uinfo.read_into(&mut b)?;
    let word = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
    let dword = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    Ok(SigInfo {
        code: word(8) as i32,
        pid: word(16),
        uid: word(20),
        addr: dword(16),
        value: dword(24),
        ..SigInfo::default()
    })
}

/// Linux compares the target with the caller's thread id (task_pid_vnr):
/// a forged si_code may only go to the calling thread's own id.
fn check_forgery(info: &SigInfo, target: i32) -> Result<(), Errno> {
    if (info.code >= 0 || info.code == SI_TKILL) && u32::try_from(target).ok() != Some(process::current_tid()) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

fn signo(sig: i32) -> usize {
    usize::try_from(sig).unwrap_or(usize::MAX)
}

/// A real-time signal queues; EAGAIN when the process that thread or
/// process `id` belongs to has no room for another instance (Linux: out
/// of sigqueue entries under RLIMIT_SIGPENDING).
fn room(id: i32, sig: usize) -> Result<(), Errno> {
    let full = (signal::SIGRTMIN..=signal::NSIG).contains(&sig)
        && u32::try_from(id)
            .ok()
            .and_then(|id| {
                let _irq = crate::arch::IrqGuard::new();
                let procs = process::PROCS.lock();
                let pid = process::tgid_of(&procs, id)?;
                procs.get(&pid).map(|p| p.queued_total() >= signal::MAX_QUEUED)
            })
            .unwrap_or(false);
    if full {
        return Err(Errno::EAGAIN);
    }
    Ok(())
}

/// Process-directed: the signal goes to a thread that does not block it.
pub fn sys_rt_sigqueueinfo(pid: Pid, sig: i32, uinfo: UserSlice) -> SyscallResult {
    let info = read_info(uinfo)?;
    check_forgery(&info, pid.raw())?;
    // One process, never a group: 0 and negative ids name none.
    if pid.raw() <= 0 {
        return Err(Errno::ESRCH);
    }
    room(pid.raw(), signo(sig))?;
    signal::send_info(i64::from(pid.raw()), signo(sig), |_, _| info).map(|()| 0)
}

/// Thread-directed: to thread `tid` of process `tgid` (ESRCH when it is
/// not one of its threads), as tgkill(2) with the caller's siginfo.
pub fn sys_rt_tgsigqueueinfo(tgid: Pid, tid: Pid, sig: i32, uinfo: UserSlice) -> SyscallResult {
    let info = read_info(uinfo)?;
    if tgid.raw() <= 0 || tid.raw() <= 0 {
        return Err(Errno::EINVAL);
    }
    check_forgery(&info, tid.raw())?;
    room(tid.raw(), signo(sig))?;
    let (tgid, tid) = (tgid.positive()?, tid.positive()?);
    crate::process::thread::send_thread_info(Some(tgid), tid, signo(sig), info).map(|()| 0)
}
