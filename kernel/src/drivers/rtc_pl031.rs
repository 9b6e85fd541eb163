//! The PL031 real-time clock (QEMU virt, compatible "arm,pl031"): read once
//! at boot so CLOCK_REALTIME is wall-clock time. Its data register, RTCDR
//! at offset 0, counts seconds since the epoch.

use crate::arch::mmio::Mmio;

const RTCDR: u64 = 0;

/// Seconds since the epoch from the PL031 at `[base, base + size)`; None
/// when the window is not in the device region.
pub fn read_seconds(base: u64, size: u64) -> Option<u64> {
    let rtc = Mmio::new(base, size.max(4))?;
    Some(u64::from(rtc.read32(RTCDR)))
}
