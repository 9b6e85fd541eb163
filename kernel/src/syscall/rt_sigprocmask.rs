//! rt_sigprocmask(2): the blocked-signal mask.

use kernel_abi::Errno;

use super::args::UserPtr;
use super::current::current;
use super::SyscallResult;
use crate::process::signal;

const SIG_BLOCK: i32 = 0;
const SIG_UNBLOCK: i32 = 1;
const SIG_SETMASK: i32 = 2;

pub fn sys_rt_sigprocmask(how: i32, set: UserPtr<u64>, oldset: UserPtr<u64>, sigsetsize: usize) -> SyscallResult {
    if sigsetsize != 8 {
        return Err(Errno::EINVAL);
    }
    let new = match set.nonnull() {
        Some(set) => Some(set.read()?),
        None => None,
    };
    if new.is_some() && !matches!(how, SIG_BLOCK | SIG_UNBLOCK | SIG_SETMASK) {
        return Err(Errno::EINVAL);
    }
    let old = current().with(|p| {
        let old = p.signals.blocked;
        if let Some(n) = new {
            let mask = match how {
                SIG_BLOCK => old | n,
                SIG_UNBLOCK => old & !n,
                _ => n,
            };
            p.signals.blocked = mask & !signal::UNBLOCKABLE;
        }
        Ok(old)
    })?;
    if let Some(oldset) = oldset.nonnull() {
        oldset.write(&old)?;
    }
    Ok(0)
}
