//! rt_sigaction(2): reads and sets actions (SIGKILL and SIGSTOP keep theirs).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process::{self, signal};

pub fn sys_rt_sigaction(sig: u64, act: u64, oldact: u64, sigsetsize: u64) -> SyscallResult {
    let sig = sig as usize;
    if sigsetsize != 8 || sig == 0 || sig > signal::NSIG {
        return Err(Errno::EINVAL);
    }
    let new = if act != 0 {
        if sig == signal::SIGKILL || sig == signal::SIGSTOP {
            return Err(Errno::EINVAL);
        }
        let mut raw = [0u8; 32];
        copy_from_user(&mut raw, act)?;
        Some(signal::SigAction::from_bytes(&raw))
    } else {
        None
    };
    let old = process::with_current(|p| match new {
        Some(n) => p.signals.set_action(sig, n),
        None => p.signals.actions[sig - 1],
    })?;
    if oldact != 0 {
        copy_to_user(oldact, &old.to_bytes())?;
    }
    Ok(0)
}
