//! AArch64 on QEMU virt: boot, exception vectors, system registers, MMIO,
//! GICv3, generic timer, PSCI, memory layout, kernel tasks and the
//! context switch.

pub mod exception;
pub mod gic;
pub mod layout;
pub mod mmio;
pub mod psci;
pub mod task;
pub mod timer;

use core::arch::{asm, global_asm};

global_asm!(include_str!("boot.S"));
global_asm!(include_str!("vectors.S"));
global_asm!(include_str!("usercopy.S"));

/// boot.S jumps here in the high half.
#[no_mangle]
extern "C" fn kernel_entry(dtb_pa: u64) -> ! {
    crate::kernel_main(dtb_pa)
}

/// The exception level the kernel runs at (1 after boot.S). Safe: reads
/// a register.
pub fn current_el() -> u64 {
    let el: u64;
    // SAFETY: reading CurrentEL has no side effects.
    unsafe { asm!("mrs {}, CurrentEL", out(reg) el, options(nomem, nostack)) };
    (el >> 2) & 3
}

/// The user-visible CPU features (`AT_HWCAP` bits) from the ID registers.
/// Safe: reads registers.
pub fn hwcaps() -> u64 {
    let (isar0, pfr0): (u64, u64);
    // SAFETY: reading ID registers has no side effects.
    unsafe {
        asm!("mrs {}, id_aa64isar0_el1", out(reg) isar0, options(nomem, nostack));
        asm!("mrs {}, id_aa64pfr0_el1", out(reg) pfr0, options(nomem, nostack));
    }
    kernel_abi::hwcap::from_id_registers(isar0, pfr0)
}

/// MIDR_EL1: implementer, variant, architecture, part number, revision.
/// Safe: reads a register.
pub fn midr() -> u64 {
    let midr: u64;
    // SAFETY: reading MIDR_EL1 has no side effects.
    unsafe { asm!("mrs {}, midr_el1", out(reg) midr, options(nomem, nostack)) };
    midr
}

/// Whether stage-1 translation is on (SCTLR_EL1.M). Safe: reads a register.
pub fn mmu_enabled() -> bool {
    let sctlr: u64;
    // SAFETY: reading SCTLR_EL1 has no side effects.
    unsafe { asm!("mrs {}, sctlr_el1", out(reg) sctlr, options(nomem, nostack)) };
    sctlr & 1 == 1
}

/// Points VBAR_EL1 at the vector table of vectors.S. Safe: always the
/// same, complete table; calling it again changes nothing.
pub fn install_vectors() -> u64 {
    extern "C" {
        static exception_vectors: u8;
    }
    let addr = core::ptr::addr_of!(exception_vectors) as u64;
    // SAFETY: the table is 2 KiB aligned and its handlers follow the
    // TrapFrame protocol exception.rs expects.
    unsafe { asm!("msr vbar_el1, {}", "isb", in(reg) addr, options(nostack)) };
    addr
}

/// Unmasks IRQs at EL1. Safe: the handlers are installed before the GIC
/// delivers anything, and kernel code never relies on IRQs being masked
/// except under an `IrqGuard`, which restores its own state.
pub fn irq_enable() {
    // SAFETY: handlers are installed before interrupts are enabled (main.rs order).
    unsafe { asm!("msr daifclr, #2", options(nomem, nostack)) };
}

/// Masks IRQs; returns whether they were unmasked before. Safe: masking
/// can only delay an interrupt.
pub fn irq_disable() -> bool {
    let daif: u64;
    // SAFETY: masking interrupts is always safe.
    unsafe { asm!("mrs {}, daif", "msr daifset, #2", out(reg) daif, options(nomem, nostack)) };
    daif & (1 << 7) == 0
}

/// Masks IRQs until dropped (then restores the previous state).
pub struct IrqGuard(bool);

impl IrqGuard {
    pub fn new() -> IrqGuard {
        IrqGuard(irq_disable())
    }
}

impl Default for IrqGuard {
    fn default() -> Self {
        IrqGuard::new()
    }
}

impl Drop for IrqGuard {
    fn drop(&mut self) {
        if self.0 {
            irq_enable();
        }
    }
}

/// Waits for an interrupt. Safe: `wfi` only pauses the CPU.
pub fn wait_for_interrupt() {
    // SAFETY: wfi only pauses the CPU.
    unsafe { asm!("wfi", options(nomem, nostack)) };
}

/// Frame-pointer backtrace of the current call chain: calls `f` with each
/// return address, at most `max` frames. Frame records are read only while
/// they lie inside the kernel's high half and are 16-byte aligned. Safe:
/// it follows only the compiler's frame records, read-only.
pub fn backtrace(max: usize, mut f: impl FnMut(u64)) {
    let mut fp: u64;
    // SAFETY: reading x29 has no side effects.
    unsafe { asm!("mov {}, x29", out(reg) fp, options(nomem, nostack)) };
    for _ in 0..max {
        if fp == 0 || fp % 16 != 0 || fp < layout::KERNEL_OFFSET {
            break;
        }
        // SAFETY: fp is a kernel-half, aligned address taken from the
        // frame-pointer chain the compiler maintains (force-frame-pointers);
        // the chain ends with 0 (boot.S clears x29).
        let (next, lr) = unsafe { (*(fp as *const u64), *((fp + 8) as *const u64)) };
        if lr == 0 {
            break;
        }
        f(lr);
        fp = next;
    }
}

global_asm!(include_str!("user_selftest.S"));

/// The machine code of the EL0 self-test (user_selftest.S). Safe: a
/// shared slice of read-only .rodata bytes.
pub fn user_selftest_code() -> &'static [u8] {
    extern "C" {
        static user_selftest_start: u8;
        static user_selftest_end: u8;
    }
    let start = core::ptr::addr_of!(user_selftest_start);
    let end = core::ptr::addr_of!(user_selftest_end);
    // SAFETY: both symbols delimit the read-only program in .rodata.
    unsafe { core::slice::from_raw_parts(start, end as usize - start as usize) }
}

/// Makes instructions written through the data side visible to fetches.
/// Safe: cache maintenance only.
pub fn sync_icache() {
    // SAFETY: cache maintenance has no effect on program state.
    unsafe { asm!("dsb ish", "ic iallu", "dsb ish", "isb", options(nostack)) };
}
