//! Boot self-tests at EL0, before init, run as children of pid 0: a
//! hand-written program (EL0 entry, the SVC path, ENOSYS, EFAULT for
//! unmapped and kernel pointers), then the musl test program
//! `/usr/bin/xt-syscalls` from the initramfs when present (ELF loading,
//! the initial stack, musl start-up, exit status through wait).

use crate::arch::{self, exception::TrapFrame};
use crate::mm::page_table::{AddressSpace, Frame, UserPerms};
use crate::process::{self, exec, Process, WaitFor};

const CODE_VA: u64 = 0x40_0000;
const STACK_TOP: u64 = 0x8000_0000;

/// Runs both self-tests to completion (logging the outcome).
pub fn run() {
    let code = arch::user_selftest_code();
    let mut space = AddressSpace::new().expect("no memory for the self-test address space");
    let mut text = Frame::alloc_zeroed().expect("no memory for the self-test");
    text.bytes_mut()[..code.len()].copy_from_slice(code);
    space.map(CODE_VA, text, UserPerms { write: false, exec: true }).expect("map self-test code");
    let stack = Frame::alloc_zeroed().expect("no memory for the self-test stack");
    space.map(STACK_TOP - 4096, stack, UserPerms { write: true, exec: false }).expect("map self-test stack");
    arch::sync_icache();
    let mut p = Process::new("el0-selftest", space, 0);
    p.attach_console(&[1]);
    let pid = process::spawn(p, &TrapFrame::new_user(CODE_VA, STACK_TOP), None).expect("spawn the self-test");
    match process::wait(WaitFor::Pid(pid)) {
        Ok((_, 0)) => printk!("el0 self-test passed: write, getpid, ENOSYS, EFAULT"),
        Ok((_, status)) => printk!(crate::printk::LEVEL_ERR, "el0 self-test FAILED: wait status {status:#x}"),
        Err(e) => printk!(crate::printk::LEVEL_ERR, "el0 self-test: wait failed: {}", e.name()),
    }

    const PATH: &str = "/usr/bin/xt-syscalls";
    if crate::fs::lookup_kernel(PATH).is_err() {
        return;
    }
    let loaded = match exec::load_path(PATH, &[PATH], &[]) {
        Ok(l) => l,
        Err(e) => {
            printk!(crate::printk::LEVEL_ERR, "elf self-test: cannot load {PATH}: {}", e.name());
            return;
        }
    };
    crate::mm::page_table::split_kernel_user();
    let mut p = Process::new(&loaded.name, loaded.space, loaded.brk);
    p.cmdline = loaded.cmdline;
    p.mmap_next = loaded.mmap_base;
    p.image = Some(alloc::sync::Arc::new(loaded.image));
    let devnull =
        crate::fs::lookup_kernel("/dev/null").and_then(|n| crate::fs::file::OpenFile::open(n, crate::fs::file::O_RDWR));
    if let Ok(f) = devnull {
        let _ = p.fds.set(1, f, false);
    }
    let pid = process::spawn(p, &loaded.frame, None).expect("spawn xt-syscalls");
    match process::wait(WaitFor::Pid(pid)) {
        Ok((_, 0)) => printk!("elf self-test passed: {PATH} exited 0"),
        Ok((_, status)) => printk!(crate::printk::LEVEL_ERR, "elf self-test FAILED: {PATH} wait status {status:#x}"),
        Err(e) => printk!(crate::printk::LEVEL_ERR, "elf self-test: wait failed: {}", e.name()),
    }
}
