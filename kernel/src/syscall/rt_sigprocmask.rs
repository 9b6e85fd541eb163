//! rt_sigprocmask(2): the blocked-signal mask.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process::{self, signal};

const SIG_BLOCK: u64 = 0;
const SIG_UNBLOCK: u64 = 1;
const SIG_SETMASK: u64 = 2;

pub fn sys_rt_sigprocmask(how: u64, set: u64, oldset: u64, sigsetsize: u64) -> SyscallResult {
    if sigsetsize != 8 {
        return Err(Errno::EINVAL);
    }
    let new = if set != 0 {
        let mut raw = [0u8; 8];
        copy_from_user(&mut raw, set)?;
        Some(u64::from_le_bytes(raw))
    } else {
        None
    };
    if new.is_some() && !matches!(how, SIG_BLOCK | SIG_UNBLOCK | SIG_SETMASK) {
        return Err(Errno::EINVAL);
    }
    let old = process::with_current(|p| {
        let old = p.signals.blocked;
        if let Some(n) = new {
            let mask = match how {
                SIG_BLOCK => old | n,
                SIG_UNBLOCK => old & !n,
                _ => n,
            };
            p.signals.blocked = mask & !signal::UNBLOCKABLE;
        }
        old
    })?;
    if oldset != 0 {
        copy_to_user(oldset, &old.to_le_bytes())?;
    }
    Ok(0)
}
