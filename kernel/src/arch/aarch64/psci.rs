//! PSCI calls (QEMU virt: conduit `hvc`).

use core::arch::asm;

const SYSTEM_OFF: u64 = 0x8400_0008;
const SYSTEM_RESET: u64 = 0x8400_0009;

fn call(function: u64) {
    // SAFETY: PSCI SYSTEM_OFF/RESET do not return on success; the firmware
    // (QEMU) clobbers only x0-x3 (SMCCC).
    unsafe {
        asm!("hvc #0", inout("x0") function => _, out("x1") _, out("x2") _, out("x3") _, options(nostack));
    }
}

/// Powers the machine off (QEMU exits with status 0). Safe: never returns.
pub fn system_off() -> ! {
    call(SYSTEM_OFF);
    halt()
}

/// Resets the machine (with `-no-reboot`, QEMU exits). Safe: never returns.
pub fn system_reset() -> ! {
    call(SYSTEM_RESET);
    halt()
}

/// Stops this CPU for good (PSCI failed or is absent). Safe: never returns.
pub fn halt() -> ! {
    loop {
        super::irq_disable();
        super::wait_for_interrupt();
    }
}
