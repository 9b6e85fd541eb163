//! The generic timer: the virtual counter for time, the EL1 virtual timer
//! (PPI 27) for the periodic tick.

use core::arch::asm;
use core::sync::atomic::{AtomicU64, Ordering};

/// CLOCK_REALTIME minus the boot-relative counter time (ns), from the RTC
/// at boot; 0 (realtime counts from boot) without one.
static REALTIME_OFFSET_NS: AtomicU64 = AtomicU64::new(0);

/// Sets the wall-clock time now to `epoch_ns` (nanoseconds since the epoch).
pub fn set_realtime(epoch_ns: u64) {
    REALTIME_OFFSET_NS.store(epoch_ns.saturating_sub(now_ns()), Ordering::Relaxed);
}

/// How far CLOCK_REALTIME is ahead of the boot-relative clocks.
pub fn realtime_offset_ns() -> u64 {
    REALTIME_OFFSET_NS.load(Ordering::Relaxed)
}

/// CLOCK_REALTIME in nanoseconds since the epoch.
pub fn realtime_ns() -> u64 {
    now_ns().saturating_add(realtime_offset_ns())
}

/// PPI of the EL1 virtual timer on QEMU virt.
pub const VIRT_TIMER_INTID: u32 = 27;

/// The counter's frequency in Hz (safe: reads CNTFRQ_EL0).
pub fn frequency() -> u64 {
    let f: u64;
    // SAFETY: reading CNTFRQ_EL0 has no side effects.
    unsafe { asm!("mrs {}, cntfrq_el0", out(reg) f, options(nomem, nostack)) };
    f
}

/// The virtual counter (safe: reads CNTVCT_EL0).
pub fn counter() -> u64 {
    let c: u64;
    // SAFETY: reading CNTVCT_EL0 has no side effects.
    unsafe { asm!("isb", "mrs {}, cntvct_el0", out(reg) c, options(nomem, nostack)) };
    c
}

/// Nanoseconds since the counter started (boot). Safe: register reads.
pub fn now_ns() -> u64 {
    let f = frequency().max(1);
    let c = counter();
    ((c as u128 * 1_000_000_000) / f as u128) as u64
}

/// Arms the virtual timer to fire `ticks` counter ticks from now. Safe:
/// an early or late tick only moves the scheduler's clock.
pub fn arm(ticks: u64) {
    // SAFETY: programming the EL1 virtual timer only schedules an interrupt.
    unsafe {
        asm!(
            "msr cntv_tval_el0, {t}",
            "msr cntv_ctl_el0, {on}",
            "isb",
            t = in(reg) ticks,
            on = in(reg) 1u64,
            options(nomem, nostack),
        )
    };
}
