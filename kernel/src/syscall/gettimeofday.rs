//! gettimeofday(2): the boot-relative counter (no RTC yet). The obsolete
//! timezone argument is not written.

use super::args::{Timeval, UserPtr};
use super::SyscallResult;
use crate::arch::timer;

pub fn sys_gettimeofday(tv: UserPtr<Timeval>) -> SyscallResult {
    if let Some(tv) = tv.nonnull() {
        tv.write(&Timeval::from_ns(timer::now_ns()))?;
    }
    Ok(0)
}
