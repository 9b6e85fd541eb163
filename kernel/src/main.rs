//! The in-tree kernel for QEMU virt (AArch64). This file is the init order
//! only; see docs/ARCHITECTURE.md ("The in-tree kernel") for the map.
//!
//! `unsafe` is denied everywhere except `arch/`, `drivers::virtio::hal`, `mm::heap`,
//! `mm::page_table` and `mm::usercopy` (and `mm::frame`, for declaring
//! `unsafe fn free`), each block with a `// SAFETY:`
//! comment; their `pub` safe functions are sound for any caller.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

extern crate alloc;

#[macro_use]
mod printk;
#[allow(unsafe_code)]
mod arch;
mod block;
mod boot_info;
mod drivers;
mod fs;
mod init;
mod mm;
mod net;
mod panic;
mod process;
mod syscall;
mod tty;
mod user_selftest;

use crate::arch::timer;

/// Called by boot.S (through `arch::kernel_entry`) in the high half, MMU
/// on, .bss cleared, IRQs masked.
fn kernel_main(dtb_pa: u64) -> ! {
    printk::init_early();
    printk!("xkernel version {} (aarch64, QEMU virt) booting at EL{}", env!("CARGO_PKG_VERSION"), arch::current_el());
    metric("banner");

    let vbar = arch::install_vectors();
    printk!("exception vectors ready at {vbar:#x}");
    metric("vectors");

    assert!(arch::mmu_enabled(), "MMU is off after boot.S");
    let ttbr1 = mm::page_table::split_kernel_user();
    let (kstart, kend) = arch::layout::kernel_phys_range();
    printk!(
        "MMU on: kernel {kstart:#x}-{kend:#x} at {:#x} (TTBR1 {ttbr1:#x}), user half TTBR0 empty",
        arch::layout::phys_to_virt(kstart)
    );
    metric("mmu");

    let info = match boot_info::parse(dtb_pa) {
        Ok(info) => info,
        Err(e) => panic!("cannot read the device tree at {dtb_pa:#x}: {e:?}"),
    };
    init::init_console(&info);
    metric("uart");

    init::init_interrupts(&info);
    metric("gic");

    init::init_timer();
    metric("timer");

    init::init_memory(&info);
    tty::console::init();
    metric("heap");

    init::init_initramfs();

    process::init_idle();
    init::init_storage();
    metric("storage");
    user_selftest::run();
    metric("selftests");
    init::launch_init()
}

static HOSTNAME: spin::Mutex<alloc::string::String> = spin::Mutex::new(alloc::string::String::new());

/// The host name (`sethostname`; `(none)` until set, like Linux).
fn hostname() -> alloc::string::String {
    let h = HOSTNAME.lock();
    if h.is_empty() {
        "(none)".into()
    } else {
        h.clone()
    }
}

fn set_hostname(name: &str) {
    *HOSTNAME.lock() = name.into();
}

/// `METRIC boot_<stage>_us=N` with the verbose-boot feature.
fn metric(stage: &str) {
    if cfg!(feature = "verbose-boot") {
        let us = timer::now_ns() / 1000;
        printk::console_print(format_args!("METRIC boot_{stage}_us={us}\n"));
    }
}
