//! rt_sigqueueinfo(2) (sigqueue(3)) and rt_tgsigqueueinfo(2): a signal
//! with the caller's own siginfo (si_code, si_pid, si_uid, si_value).
//! As Linux, only a negative si_code other than SI_TKILL may go to another
//! process (EPERM: no forging kill(2)'s or the kernel's). Standard and
//! real-time signals alike do not queue twice (one pending instance).

use kernel_abi::Errno;

use super::args::{Pid, UserSlice};
use super::current::current;
use super::SyscallResult;
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

fn check_forgery(info: &SigInfo, target: i32) -> Result<(), Errno> {
    if (info.code >= 0 || info.code == SI_TKILL) && u32::try_from(target).ok() != Some(current().pid()) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

fn signo(sig: i32) -> usize {
    usize::try_from(sig).unwrap_or(usize::MAX)
}

pub fn sys_rt_sigqueueinfo(pid: Pid, sig: i32, uinfo: UserSlice) -> SyscallResult {
    let info = read_info(uinfo)?;
    check_forgery(&info, pid.raw())?;
    // One process, never a group: 0 and negative ids name none.
    if pid.raw() <= 0 {
        return Err(Errno::ESRCH);
    }
    signal::send_info(i64::from(pid.raw()), signo(sig), |_, _| info).map(|()| 0)
}

/// One thread per process: `tid` must be `tgid` (ESRCH otherwise).
pub fn sys_rt_tgsigqueueinfo(tgid: Pid, tid: Pid, sig: i32, uinfo: UserSlice) -> SyscallResult {
    let info = read_info(uinfo)?;
    if tgid.raw() <= 0 || tid.raw() <= 0 {
        return Err(Errno::EINVAL);
    }
    check_forgery(&info, tid.raw())?;
    if tgid.raw() != tid.raw() {
        return Err(Errno::ESRCH);
    }
    signal::send_info(i64::from(tid.raw()), signo(sig), |_, _| info).map(|()| 0)
}
