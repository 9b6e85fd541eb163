//! times(2): CPU times in clock ticks (USER_HZ = 100); returns the ticks
//! since boot.

use super::args::UserPtr;
use super::SyscallResult;
use crate::process::cputime;

/// Nanoseconds per clock tick (USER_HZ 100, AT_CLKTCK).
const NS_PER_TICK: u64 = 1_000_000_000 / crate::init::HZ;

/// `struct tms`: tms_utime, tms_stime, tms_cutime, tms_cstime.
pub fn sys_times(buf: UserPtr<[u64; 4]>) -> SyscallResult {
    if let Some(buf) = buf.nonnull() {
        let t = cputime::current();
        buf.write(&[t.user, t.system, t.children_user, t.children_system].map(|ns| ns / NS_PER_TICK))?;
    }
    Ok(crate::init::ticks() as usize)
}
