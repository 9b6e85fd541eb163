//! clock_getres(2): 1 ns for every clock clock_gettime reads from the
//! counter (as Linux's high-resolution and CPU-time clocks report).

use super::args::{Timespec, UserPtr};
use super::clock_gettime::known_clock;
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
        res.write(&Timespec { sec: 0, nsec: 1 })?;
    }
    Ok(0)
}
