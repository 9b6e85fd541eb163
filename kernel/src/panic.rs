//! The panic handler: one `Kernel panic - not syncing: ...` line (the
//! profile's panic pattern), a call trace, an end marker, then a reset
//! (QEMU runs with `-no-reboot`, so it exits, like Linux with `panic=-1`).

use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch;
use crate::printk::emergency_write;

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    arch::irq_disable();
    if PANICKING.swap(true, Ordering::SeqCst) {
        // A panic while panicking: stop without printing more.
        arch::psci::system_off();
    }
    let ns = arch::timer::now_ns();
    let stamp = (ns / 1_000_000_000, (ns / 1000) % 1_000_000);
    emergency_write(format_args!("\n[{:5}.{:06}] Kernel panic - not syncing: {}\n", stamp.0, stamp.1, info.message()));
    if let Some(loc) = info.location() {
        emergency_write(format_args!("[{:5}.{:06}] at {}:{}\n", stamp.0, stamp.1, loc.file(), loc.line()));
    }
    emergency_write(format_args!("[{:5}.{:06}] Call trace:\n", stamp.0, stamp.1));
    let (text_start, text_end) = arch::layout::kernel_text();
    arch::backtrace(32, |lr| {
        if (text_start..text_end).contains(&lr) {
            emergency_write(format_args!("[{:5}.{:06}]  {:#018x}\n", stamp.0, stamp.1, lr));
        }
    });
    emergency_write(format_args!("[{:5}.{:06}] ---[ end Kernel panic - not syncing ]---\n", stamp.0, stamp.1));
    arch::psci::system_reset()
}
