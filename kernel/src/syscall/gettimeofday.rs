//! gettimeofday(2): CLOCK_REALTIME (the RTC at boot plus the counter). The obsolete
//! timezone argument is not written.

use super::args::{Timeval, UserPtr};
use super::SyscallResult;
use crate::arch::timer;

pub fn sys_gettimeofday(tv: UserPtr<Timeval>) -> SyscallResult {
    if let Some(tv) = tv.nonnull() {
        tv.write(&Timeval::from_ns(timer::realtime_ns()))?;
    }
    Ok(0)
}
