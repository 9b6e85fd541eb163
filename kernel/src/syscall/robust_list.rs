//! set_robust_list(2) and get_robust_list(2): the calling thread's robust
//! futex list, walked when it exits (process::group_exit: futexes it still
//! owns get FUTEX_OWNER_DIED and a waiter is woken, as on Linux).

use kernel_abi::Errno;

use super::args::{Pid, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::process::thread::RobustList;

/// sizeof(struct robust_list_head) on arm64: the only size Linux accepts.
const HEAD_SIZE: usize = 24;

pub fn sys_set_robust_list(head: u64, len: usize) -> SyscallResult {
    if len != HEAD_SIZE {
        return Err(Errno::EINVAL);
    }
    current().with(|p| {
        p.robust_list = RobustList { head, len: len as u64 };
        Ok(0)
    })
}

/// `pid` 0: the calling thread; otherwise thread `pid` of any process
/// (ESRCH when none). Reading another process's list needs the privilege
/// Linux's ptrace-read check grants here: the same real uid, or root (EPERM).
pub fn sys_get_robust_list(pid: Pid, head_ptr: UserPtr<u64>, len_ptr: UserPtr<u64>) -> SyscallResult {
    let tid = pid.raw();
    if tid < 0 {
        return Err(Errno::ESRCH);
    }
    let robust = if tid == 0 {
        current().with(|p| Ok(p.robust_list))?
    } else {
        let me = current().creds();
        let (robust, uid) = crate::process::with_thread(tid as u32, |p| (p.robust_of(tid as u32), p.creds.uid))
            .and_then(|(r, uid)| Some((r?, uid)))
            .ok_or(Errno::ESRCH)?;
        if !super::current::is_privileged(&me) && me.uid != uid {
            return Err(Errno::EPERM);
        }
        robust
    };
    len_ptr.write(&(HEAD_SIZE as u64))?;
    head_ptr.write(&robust.head)?;
    Ok(0)
}
