//! User memory faults: copy-on-write resolution, the OOM killer that
//! steps in when a copy finds no free frame, and the fault signals
//! (SIGSEGV, SIGBUS, SIGILL, SIGTRAP with their siginfo) for any other
//! exception at EL0. Called from the exception handlers (init.rs).

use super::{current_pid, exit_current, jobctl, signal, with_current, Process, Table, PROCS};
use crate::arch::exception::TrapFrame;
use crate::arch::IrqGuard;
use crate::mm::page_table::{AddressSpace, CowFault};

/// A write fault on user address `va` in the current process (`from_user`:
/// at EL0, else inside a user copy): true when the access can be retried.
///
/// With no free frame for the copy, the OOM killer steps in, as Linux's
/// does: the process with the most mapped pages (never pid 0 or init) gets
/// SIGKILL. When that is someone else, the access is retried from EL0 (the
/// tick lets the victim run, die and give its frames back); inside a user
/// copy, which cannot wait, the syscall fails with EFAULT. When it is the
/// faulting process itself, it dies now.
pub fn resolve_cow(va: u64, from_user: bool) -> bool {
    let _irq = IrqGuard::new();
    // try_lock: a fault inside a user copy made while the table is locked
    // must become EFAULT, not a deadlock.
    let Some(mut procs) = PROCS.try_lock() else { return false };
    let pid = current_pid();
    let Some(p) = procs.get_mut(&pid) else { return false };
    let Some(space) = p.space.as_mut() else { return false };
    match space.resolve_cow(va) {
        CowFault::Resolved => return true,
        CowFault::NotCow => return false,
        CowFault::OutOfMemory => {}
    }
    match oom_victim(&mut procs) {
        Some(victim) if victim != pid => from_user,
        _ => {
            // The faulting process is the victim (or nobody else can be:
            // then even init goes, and the kernel panics like Linux's
            // "out of memory and no killable processes").
            if let Some(p) = procs.get_mut(&pid) {
                // From EL0 `user_fault` sees it pending; inside a user copy
                // the syscall fails with EFAULT and the signal is delivered
                // on the way out.
                p.signals.raise(signal::SIGKILL);
                p.oom_killed = true;
            }
            false
        }
    }
}

/// The OOM killer's victim: one already killed that is still exiting, else
/// the live process with the most mapped pages other than pid 0 and init,
/// which gets SIGKILL now. None when there is nobody to kill.
fn oom_victim(procs: &mut Table) -> Option<u32> {
    let alive = |p: &Process| p.pid > 1 && !p.is_zombie();
    if let Some(p) = procs.values().find(|p| alive(p) && p.oom_killed) {
        return Some(p.pid);
    }
    let victim = procs
        .values()
        .filter(|p| alive(p))
        .max_by_key(|p| p.space.as_ref().map_or(0, AddressSpace::mapped_pages))
        .map(|p| p.pid)?;
    let p = procs.get_mut(&victim)?;
    printk!(crate::printk::LEVEL_INFO, "Out of memory: killed process {} ({})", p.pid, p.name);
    p.oom_killed = true;
    // Through `post`: a stopped victim must run again to die.
    jobctl::post(procs, victim, signal::SIGKILL);
    Some(victim)
}

/// A fault taken at EL0 that is not copy-on-write: its signal (SIGSEGV,
/// SIGBUS, SIGILL, SIGTRAP) with the siginfo Linux gives, forced on the
/// process. A handler runs (and may siglongjmp out); without one, or when
/// the signal was blocked or ignored, the process dies of it.
pub fn user_fault(frame: &mut TrapFrame, esr: u64, far: u64) {
    if with_current(|p| p.oom_killed).unwrap_or(false) {
        // The OOM killer chose this process (`resolve_cow`).
        exit_current(signal::SIGKILL as i32)
    }
    let f = kernel_abi::fault::classify(esr, far, frame.elr);
    let (mut sig, mut code) = (f.signo, f.code);
    // A data access to a page of a file mapping wholly beyond the file's
    // end: SIGBUS BUS_ADRERR, as Linux (the page is marked, not mapped).
    if sig == signal::SIGSEGV
        && with_current(|p| p.space.as_mut().is_some_and(|s| s.is_beyond_eof(far))).unwrap_or(false)
    {
        (sig, code) = (signal::SIGBUS, kernel_abi::fault::BUS_ADRERR);
    }
    let info = signal::SigInfo { code, addr: f.addr, ..Default::default() };
    let handled = with_current(|p| p.signals.force(sig, info)).unwrap_or(false);
    if !handled {
        printk!(
            crate::printk::LEVEL_INFO,
            "{}[{}]: {} (ESR {esr:#x}) at pc {:#x}, address {far:#x}: signal {sig}",
            with_current(|p| p.name.clone()).unwrap_or_default(),
            current_pid(),
            crate::arch::exception::exception_class(esr),
            frame.elr
        );
    }
    signal::deliver(frame);
}
