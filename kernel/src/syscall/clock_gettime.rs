//! clock_gettime(2). Every wall clock is the boot-relative counter (no RTC
//! yet): REALTIME too; the CPU-time clocks count CPU time.

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
    tp.write(&Timespec::from_ns(timer::now_ns()))?;
    Ok(0)
}
