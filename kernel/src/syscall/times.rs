//! times(2): CPU times in clock ticks (USER_HZ = 100); returns the ticks
//! since boot.

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;
use crate::process::cputime;

/// Nanoseconds per clock tick (USER_HZ 100, AT_CLKTCK).
const NS_PER_TICK: u64 = 1_000_000_000 / crate::init::HZ;

pub fn sys_times(buf: u64) -> SyscallResult {
    if buf != 0 {
        let t = cputime::current();
        let mut b = [0u8; 32];
        for (i, ns) in [t.user, t.system, t.children_user, t.children_system].into_iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&(ns / NS_PER_TICK).to_le_bytes());
        }
        copy_to_user(buf, &b)?;
    }
    Ok(crate::init::ticks() as usize)
}
