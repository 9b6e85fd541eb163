//! nanosleep(2).

use kernel_abi::Errno;

use super::args::{Timespec, UserPtr};
use super::SyscallResult;
use crate::arch::timer;
use crate::process::{sched, signal};

/// Sleeps until `deadline` (ns since boot); EINTR when a signal arrives,
/// with the time left written to `rem` (when not NULL).
pub fn sleep_until(deadline: u64, rem: Option<UserPtr<Timespec>>) -> SyscallResult {
    sched::wait_until(|| timer::now_ns() >= deadline || signal::has_deliverable());
    let now = timer::now_ns();
    if now < deadline {
        if let Some(rem) = rem {
            rem.write(&Timespec::from_ns(deadline - now))?;
        }
        return Err(Errno::EINTR);
    }
    Ok(0)
}

pub fn sys_nanosleep(req: UserPtr<Timespec>, rem: UserPtr<Timespec>) -> SyscallResult {
    let ns = req.read()?.to_ns()?;
    sleep_until(timer::now_ns().saturating_add(ns), rem.nonnull())
}
