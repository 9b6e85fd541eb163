//! clock_nanosleep(2): relative, or with TIMER_ABSTIME until an instant of
//! the (boot-relative) clock; `rem` is written only for a relative sleep.

use super::args::{SleepFlags, Timespec, UserPtr};
use super::clock_gettime::known_clock;
use super::nanosleep::sleep_until;
use super::SyscallResult;
use crate::arch::timer;

pub fn sys_clock_nanosleep(
    clock: i32,
    flags: SleepFlags,
    req: UserPtr<Timespec>,
    rem: UserPtr<Timespec>,
) -> SyscallResult {
    known_clock(clock)?;
    let ns = req.read()?.to_ns()?;
    if flags.contains(SleepFlags::ABSTIME) {
        sleep_until(ns, None)
    } else {
        sleep_until(timer::now_ns().saturating_add(ns), rem.nonnull())
    }
}
