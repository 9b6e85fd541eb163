//! gettimeofday(2) and settimeofday(2): CLOCK_REALTIME (the RTC at boot
//! plus the counter, or what clock_settime set) and the obsolete kernel
//! timezone (`struct timezone`), kept and handed back as Linux does.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel_abi::Errno;

use super::args::{Timespec, Timeval, UserPtr, UserValue};
use super::SyscallResult;
use crate::arch::timer;

/// `struct timezone`: tz_minuteswest, tz_dsttime.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timezone {
    minuteswest: i32,
    dsttime: i32,
}

impl UserValue for Timezone {
    const SIZE: usize = 8;
    fn decode(b: &[u8]) -> Self {
        Timezone { minuteswest: i32::decode(&b[..4]), dsttime: i32::decode(&b[4..8]) }
    }
    fn encode(&self, b: &mut [u8]) {
        self.minuteswest.encode(&mut b[..4]);
        self.dsttime.encode(&mut b[4..8]);
    }
}

/// Linux's `sys_tz` (both halves in one word).
static SYS_TZ: AtomicU64 = AtomicU64::new(0);
/// Linux's `firsttime`: the first timezone set without a time warps the
/// clock from local time to UTC (`timekeeping_warp_clock`).
static TZ_SET: AtomicBool = AtomicBool::new(false);

fn sys_tz() -> Timezone {
    let w = SYS_TZ.load(Ordering::Relaxed);
    Timezone { minuteswest: w as u32 as i32, dsttime: (w >> 32) as u32 as i32 }
}

pub fn sys_gettimeofday(tv: UserPtr<Timeval>, tz: UserPtr<Timezone>) -> SyscallResult {
    if let Some(tv) = tv.nonnull() {
        tv.write(&Timeval::from_ns(timer::realtime_ns()))?;
    }
    if let Some(tz) = tz.nonnull() {
        tz.write(&sys_tz())?;
    }
    Ok(0)
}

pub fn sys_settimeofday(tv: UserPtr<Timeval>, tz: UserPtr<Timezone>) -> SyscallResult {
    let new = match tv.nonnull() {
        Some(tv) => {
            let tv = tv.read()?;
            if !(0..=1_000_000).contains(&tv.usec) {
                return Err(Errno::EINVAL);
            }
            Some(Timespec { sec: tv.sec, nsec: tv.usec * 1000 })
        }
        None => None,
    };
    let zone = match tz.nonnull() {
        Some(tz) => Some(tz.read()?),
        None => None,
    };
    // The time is checked (EINVAL) and the privilege (EPERM) before the zone.
    if let Some(t) = new {
        if t.sec < 0 || t.nsec >= 1_000_000_000 {
            return Err(Errno::EINVAL);
        }
    }
    super::current::current().require_privileged()?;
    if let Some(z) = zone {
        if !(-15 * 60..=15 * 60).contains(&z.minuteswest) {
            return Err(Errno::EINVAL);
        }
        SYS_TZ.store(z.minuteswest as u32 as u64 | (z.dsttime as u32 as u64) << 32, Ordering::Relaxed);
        if !TZ_SET.swap(true, Ordering::Relaxed) && new.is_none() && z.minuteswest != 0 {
            let warped = timer::realtime_ns().saturating_add_signed(i64::from(z.minuteswest) * 60 * 1_000_000_000);
            timer::set_realtime(warped);
        }
    }
    super::clock_settime::set_realtime(new).map(|()| 0)
}
