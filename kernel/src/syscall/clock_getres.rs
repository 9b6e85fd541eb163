//! clock_getres(2): 1 ns for every clock clock_gettime reads from the
//! counter (as Linux's high-resolution and CPU-time clocks report); the
//! tick for the coarse clocks (Linux: its jiffy), which only move per tick.

use super::args::{Timespec, UserPtr};
use super::clock_gettime::{is_coarse, known_clock, TICK_NS};
use super::SyscallResult;
use crate::process::cputime;

pub fn sys_clock_getres(clock: i32, res: UserPtr<Timespec>) -> SyscallResult {
    match cputime::clock_ns(clock) {
        Some(r) => {
            r?;
        }
        None => known_clock(clock)?,
    }
    if let Some(res) = res.nonnull() {
        let nsec = if is_coarse(clock) { TICK_NS as i64 } else { 1 };
        res.write(&Timespec { sec: 0, nsec })?;
    }
    Ok(0)
}
