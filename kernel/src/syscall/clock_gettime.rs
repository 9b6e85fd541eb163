//! clock_gettime(2). REALTIME is wall-clock time (the PL031 RTC read at
//! boot plus the counter); MONOTONIC, BOOTTIME and RAW count from boot; the
//! CPU-time clocks count CPU time.

use kernel_abi::Errno;

use super::args::{Timespec, UserPtr};
use super::SyscallResult;
use crate::arch::timer;

/// REALTIME, MONOTONIC, PROCESS/THREAD_CPUTIME, MONOTONIC_RAW, *_COARSE,
/// BOOTTIME: ids 0..=7 (the negative per-process CPU clocks: EINVAL).
pub fn known_clock(clock: i32) -> Result<(), Errno> {
    if (0..=7).contains(&clock) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

pub fn sys_clock_gettime(clock: i32, tp: UserPtr<Timespec>) -> SyscallResult {
    // The CPU-time clocks count the process's CPU time (process::cputime).
    if let Some(ns) = crate::process::cputime::clock_ns(clock) {
        tp.write(&Timespec::from_ns(ns?))?;
        return Ok(0);
    }
    known_clock(clock)?;
    let now = if is_realtime(clock) { timer::realtime_ns() } else { timer::now_ns() };
    // The coarse clocks read the time of the last tick, as Linux's do (its
    // jiffy; ours is the scheduler tick): cheap, and `clock_getres` says so.
    let now = if is_coarse(clock) { now - now % TICK_NS } else { now };
    tp.write(&Timespec::from_ns(now))?;
    Ok(0)
}

const CLOCK_REALTIME_COARSE: i32 = 5;
const CLOCK_MONOTONIC_COARSE: i32 = 6;
/// The scheduler tick, the coarse clocks' resolution.
pub const TICK_NS: u64 = 1_000_000_000 / crate::init::HZ;

/// CLOCK_REALTIME and CLOCK_REALTIME_COARSE: wall-clock time.
pub fn is_realtime(clock: i32) -> bool {
    clock == 0 || clock == CLOCK_REALTIME_COARSE
}

pub fn is_coarse(clock: i32) -> bool {
    clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE
}
