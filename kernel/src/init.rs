//! Boot stages after the MMU: console, interrupts, timer, memory, init.

use core::sync::atomic::{AtomicU64, Ordering};

use spin::Once;

use crate::arch::{self, gic::Gic, timer};
use crate::boot_info::BootInfo;
use crate::drivers::uart_pl011::Pl011;
use crate::mm;

/// Timer ticks per second.
pub const HZ: u64 = 100;

static GIC: Once<Gic> = Once::new();
static UART: Once<(Pl011, u32)> = Once::new();
static TICKS: AtomicU64 = AtomicU64::new(0);
static BOOT: Once<BootInfo> = Once::new();

/// PL011 interrupt on QEMU virt: SPI 1.
const UART_INTID: u32 = 33;

pub fn init_console(info: &BootInfo) {
    let (base, size) = info.uart.unwrap_or((crate::drivers::uart_pl011::EARLY_BASE, 0x1000));
    let uart = Pl011::new(base, size).unwrap_or_else(|| panic!("PL011 at {base:#x} is outside the device region"));
    uart.init();
    UART.call_once(|| (uart, UART_INTID));
    crate::printk::configure(info.cmdline);
    printk!("UART ready: PL011 at {base:#x}, console ttyAMA0, cmdline \"{}\"", info.cmdline);
    BOOT.call_once(|| *info);
    // The wall clock: the RTC's seconds at boot, then the counter.
    match info.rtc.and_then(|(base, size)| crate::drivers::rtc_pl031::read_seconds(base, size)) {
        Some(secs) => {
            timer::set_realtime(secs.saturating_mul(1_000_000_000));
            printk!("RTC: PL031, {secs} s since the epoch");
        }
        None => printk!("RTC: none, CLOCK_REALTIME counts from boot"),
    }
}

pub fn init_interrupts(info: &BootInfo) {
    let (Some(dist), Some(redist)) = (info.gic_dist, info.gic_redist) else {
        panic!("no arm,gic-v3 node in the device tree (QEMU needs -machine virt,gic-version=3)");
    };
    let gic = Gic::init(dist, redist).unwrap_or_else(|| panic!("GICv3 at {dist:?}/{redist:?} did not come up"));
    let lines = gic.lines();
    gic.enable(UART_INTID);
    GIC.call_once(|| gic);
    arch::exception::set_handlers(arch::exception::Handlers {
        syscall: crate::syscall::handle,
        cow_fault: crate::process::resolve_cow,
        irq: handle_irq,
        user_fault: crate::process::user_fault,
        user_boundary: crate::process::cputime::user_boundary,
        fatal: fatal_exception,
    });
    printk!("GICv3 ready: distributor {:#x}, redistributor {:#x}, {lines} lines", dist.0, redist.0);
}

pub fn init_timer() {
    let gic = GIC.get().expect("GIC before timer");
    let freq = timer::frequency();
    gic.enable(timer::VIRT_TIMER_INTID);
    // The first tick comes after 1 ms (the boot waits for it), then every 1/HZ.
    timer::arm(freq / 1000);
    arch::irq_enable();
    // Proof that the tick arrives: wait for the first one.
    let start = timer::now_ns();
    while TICKS.load(Ordering::Relaxed) == 0 {
        arch::wait_for_interrupt();
    }
    let waited = (timer::now_ns() - start) / 1000;
    printk!("timer ready: {HZ} Hz tick, counter {} MHz, first tick after {waited} us", freq / 1_000_000);
}

pub fn init_memory(info: &BootInfo) {
    let (heap_start, heap_size) = mm::heap::init();
    let mut reserved = [(0, 0); 3];
    reserved[0] = arch::layout::kernel_phys_range();
    reserved[1] = (info.dtb.0, info.dtb.0 + info.dtb.1);
    reserved[2] = info.initrd.unwrap_or((0, 0));
    let (total, free) = mm::frame::init(info.ram, &reserved);
    printk!(
        "heap ready: {} KiB at {heap_start:#x}; RAM {:#x}-{:#x}: {} KiB, {} KiB free",
        heap_size >> 10,
        info.ram.0,
        info.ram.0 + info.ram.1,
        total * 4,
        free * 4
    );
}

/// The virtio devices of the DTB (disks: `/dev/vd*`). After the idle
/// process exists: a disk request sleeps like any process's.
pub fn init_storage() {
    let info = BOOT.get().expect("boot info");
    let mut nodes = alloc::vec::Vec::new();
    let listed =
        kernel_fdt::Fdt::new(info.dtb_data).and_then(|fdt| fdt.for_each_compatible("virtio,mmio", |n| nodes.push(n)));
    if let Err(e) = listed {
        printk!(crate::printk::LEVEL_WARNING, "virtio: cannot list the device tree's virtio,mmio nodes: {e:?}");
    }
    let gic = GIC.get().expect("GIC before storage");
    crate::drivers::virtio::probe(&nodes, |intid| gic.enable_edge(intid));
    crate::block::cache::init();
    crate::net::stack::init();
    crate::block::init();
    crate::fs::add_block_nodes();
}

pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

fn handle_irq(frame: &mut arch::exception::TrapFrame, from_user: bool) {
    let mut tick = false;
    loop {
        let intid = arch::gic::ack();
        if intid >= arch::gic::SPURIOUS {
            break;
        }
        match intid {
            timer::VIRT_TIMER_INTID => {
                TICKS.fetch_add(1, Ordering::Relaxed);
                timer::arm(timer::frequency() / HZ);
                tick = true;
                crate::process::itimer::tick();
                crate::net::stack::tick();
                // Input never waits for an interrupt that got lost (e.g. one
                // pending when a saved guest was restored): drain every tick.
                drain_uart();
            }
            UART_INTID => drain_uart(),
            other if crate::drivers::virtio::interrupt(other) => {}
            other => printk!(crate::printk::LEVEL_WARNING, "unexpected interrupt {other}"),
        }
        arch::gic::eoi(intid);
    }
    crate::process::sched::notify();
    // Preemption only at the EL0 boundary: kernel code never holds a lock
    // across a switch it did not ask for.
    if from_user {
        if tick {
            crate::process::sched::schedule();
        }
        crate::process::signal::deliver(frame);
    }
}

fn drain_uart() {
    if let Some((uart, _)) = UART.get() {
        while let Some(byte) = uart.get() {
            crate::tty::console::receive(byte);
        }
        uart.clear_interrupts();
    }
}

fn fatal_exception(frame: &arch::exception::TrapFrame, kind: arch::exception::Kind) -> ! {
    let what = match kind {
        arch::exception::Kind::KernelFault { esr, .. } | arch::exception::Kind::Unexpected { esr, .. } => {
            arch::exception::exception_class(esr)
        }
    };
    panic!("Unhandled {what} at EL1: {kind:x?}, pc {:#x}, lr {:#x}", frame.elr, frame.regs[30]);
}

static CMDLINE: Once<&'static str> = Once::new();

/// The kernel command line (/proc/cmdline).
pub fn cmdline() -> &'static str {
    CMDLINE.get().copied().unwrap_or("")
}

/// Unpacks the initramfs into the tmpfs root.
pub fn init_initramfs() {
    let info = BOOT.get().expect("boot info");
    CMDLINE.call_once(|| info.cmdline);
    match crate::fs::init(info.initrd_data) {
        Ok(n) => printk!("initramfs: {n} entries unpacked into the tmpfs root"),
        Err(e) => panic!("initramfs is malformed: {}", e.name()),
    }
}

/// Starts /init as pid 1 (fds 0-2 on /dev/console); the boot context
/// becomes the idle task and never returns.
pub fn launch_init() -> ! {
    printk!("launching init: /init");
    let env = ["HOME=/", "TERM=linux"];
    let loaded = match crate::process::exec::load_path("/init", &["/init"], &env) {
        Ok(l) => l,
        Err(e) => panic!("No working init found: /init: {}", e.name()),
    };
    crate::mm::page_table::split_kernel_user();
    let mut p = crate::process::Process::new(&loaded.name, loaded.space, loaded.brk);
    p.cmdline = loaded.cmdline;
    p.mmap_next = loaded.mmap_base;
    p.image = Some(alloc::sync::Arc::new(loaded.image));
    p.attach_console(&[0, 1, 2]);
    if let Err(e) = crate::process::spawn(p, &loaded.frame, Some(1)) {
        panic!("No working init found: cannot start pid 1: {}", e.name());
    }
    // pid 0 is the page cache's periodic flusher from now on: it sleeps
    // until the next round is due (checked every tick), and may sleep on
    // the disk while writing back, as any process may.
    loop {
        crate::process::sched::wait_until(crate::block::cache::flush_due);
        // Pages stored to through MAP_SHARED mappings reach their files
        // (and unmapped ones go) before the page cache's round.
        let _ = crate::fs::filemap::collect();
        crate::block::cache::periodic();
    }
}
