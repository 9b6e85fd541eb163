//! clock_nanosleep(2): relative, or with TIMER_ABSTIME until an instant of
//! the (boot-relative) clock; `rem` is written only for a relative sleep.
//! On a process CPU-time clock the sleep lasts until that process has
//! used the CPU time asked for (the caller's own clock does not move while
//! it sleeps, as on Linux); CLOCK_THREAD_CPUTIME_ID EOPNOTSUPP and a
//! thread's clock by id EINVAL, as Linux.

use kernel_abi::Errno;

use super::args::{SleepFlags, Timespec, UserPtr};
use super::clock_gettime::known_clock;
use super::nanosleep::sleep_until;
use super::SyscallResult;
use crate::arch::timer;
use crate::process::{cputime, sched, signal};

pub fn sys_clock_nanosleep(
    clock: i32,
    flags: SleepFlags,
    req: UserPtr<Timespec>,
    rem: UserPtr<Timespec>,
) -> SyscallResult {
    if let Some(now) = cputime::clock_ns(clock) {
        return cpu_sleep(clock, now?, flags, req, rem);
    }
    known_clock(clock)?;
    let ns = req.read()?.to_ns()?;
    if flags.contains(SleepFlags::ABSTIME) {
        if super::clock_gettime::is_realtime(clock) {
            // An absolute CLOCK_REALTIME time is wall-clock time, which
            // clock_settime may move meanwhile: checked against it anew.
            sched::wait_until(|| timer::realtime_ns() >= ns || signal::has_deliverable());
            return if timer::realtime_ns() >= ns { Ok(0) } else { Err(Errno::EINTR) };
        }
        sleep_until(ns, None)
    } else {
        sleep_until(timer::now_ns().saturating_add(ns), rem.nonnull())
    }
}

fn cpu_sleep(clock: i32, now: u64, flags: SleepFlags, req: UserPtr<Timespec>, rem: UserPtr<Timespec>) -> SyscallResult {
    const THREAD_CPUTIME: i32 = 3;
    const PER_THREAD: i32 = 4;
    // CLOCK_THREAD_CPUTIME_ID has no sleep at all in Linux (EOPNOTSUPP);
    // a thread clock by id is EINVAL.
    if clock == THREAD_CPUTIME {
        return Err(Errno::EOPNOTSUPP);
    }
    if clock < 0 && clock & PER_THREAD != 0 {
        return Err(Errno::EINVAL);
    }
    let ns = req.read()?.to_ns()?;
    let abs = flags.contains(SleepFlags::ABSTIME);
    let deadline = if abs { ns } else { now.saturating_add(ns) };
    let reached = || cputime::clock_ns(clock).is_none_or(|t| t.is_err() || t.is_ok_and(|t| t >= deadline));
    sched::wait_until(|| reached() || signal::has_deliverable());
    match cputime::clock_ns(clock) {
        Some(Ok(t)) if t < deadline => {
            if let (false, Some(rem)) = (abs, rem.nonnull()) {
                rem.write(&Timespec::from_ns(deadline - t))?;
            }
            Err(Errno::EINTR)
        }
        Some(Err(e)) => Err(e),
        _ => Ok(0),
    }
}
