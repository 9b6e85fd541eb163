//! clock_settime(2): only CLOCK_REALTIME can be set (CAP_SYS_TIME: root,
//! else EPERM); a pid's CPU-time clock EPERM, every other clock EINVAL,
//! as Linux. The boot-relative clocks do not move; TIMER_ABSTIME REALTIME
//! timers and sleeps follow the new time.

use kernel_abi::Errno;

use super::args::{Timespec, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::arch::timer;

/// Linux's TIME_SETTOD_SEC_MAX: KTIME_SEC_MAX less 30 years.
const SETTOD_SEC_MAX: i64 = i64::MAX / 1_000_000_000 - 30 * 365 * 86400;

/// Linux's `do_sys_settimeofday64` for a new time: EINVAL for an invalid
/// one (and, as `do_settimeofday64`, for one before the boot-relative
/// clock's now), EPERM without privilege.
pub fn set_realtime(new: Option<Timespec>) -> Result<(), Errno> {
    let ns = match new {
        Some(t) if t.sec >= SETTOD_SEC_MAX => return Err(Errno::EINVAL),
        Some(t) => Some(t.to_ns()?),
        None => None,
    };
    current().require_privileged()?;
    if let Some(ns) = ns {
        if ns < timer::now_ns() {
            return Err(Errno::EINVAL);
        }
        timer::set_realtime(ns);
        crate::process::sched::notify();
    }
    Ok(())
}

pub fn sys_clock_settime(clock: i32, tp: UserPtr<Timespec>) -> SyscallResult {
    const REALTIME: i32 = 0;
    match clock {
        REALTIME => {
            let t = tp.read()?;
            set_realtime(Some(t))?;
            Ok(0)
        }
        // A pid's CPU-time clock (clock_getcpuclockid's): EPERM once the
        // clock is valid; CLOCK_PROCESS/THREAD_CPUTIME_ID have no setter
        // at all in Linux (EINVAL, below).
        c if c < 0 && c & 3 != 3 => {
            crate::process::cputime::clock_ns(c).unwrap_or(Err(Errno::EINVAL))?;
            tp.read()?;
            Err(Errno::EPERM)
        }
        _ => Err(Errno::EINVAL),
    }
}
