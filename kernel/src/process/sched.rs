//! The scheduler: round-robin over runnable processes, preemption on the
//! timer tick when the tick interrupted EL0, and one global event counter
//! for waiting (every interrupt and state change bumps it; a waiter sleeps
//! until it moves, then re-checks its condition).
//!
//! The context switch itself is the one `unsafe` call outside arch/ and
//! mm/: it needs raw pointers to two contexts in the process table.
#![allow(unsafe_code)]

use core::sync::atomic::{AtomicU64, Ordering};

use super::{State, CURRENT, PROCS};
use crate::arch::{self, IrqGuard};

static EVENTS: AtomicU64 = AtomicU64::new(0);

/// Something happened that a waiter may be waiting for.
pub fn notify() {
    EVENTS.fetch_add(1, Ordering::SeqCst);
}

/// Runs another runnable process if there is one (round robin); when none
/// is runnable (all wait), idles until an interrupt. Returns when the
/// current process is chosen again.
pub fn schedule() {
    let _irq = IrqGuard::new();
    loop {
        let now = EVENTS.load(Ordering::SeqCst);
        let cur = CURRENT.load(Ordering::SeqCst);
        let mut procs = PROCS.lock();
        let runnable = |p: &super::Process| p.state == State::Running && p.wait_seq.is_none_or(|s| s != now);
        let next = procs.range(cur + 1..).chain(procs.range(..=cur)).find(|(_, p)| runnable(p)).map(|(&pid, _)| pid);
        let Some(next) = next else {
            drop(procs);
            // Nothing to run: wait for an interrupt (it bumps EVENTS).
            arch::irq_enable();
            arch::wait_for_interrupt();
            arch::irq_disable();
            continue;
        };
        if next == cur {
            return;
        }
        let prev_ctx: *mut arch::exception::Context = &mut procs.get_mut(&cur).expect("current process").ctx;
        let next_p = procs.get_mut(&next).expect("chosen process");
        match &next_p.space {
            Some(space) => space.activate(),
            None => {
                crate::mm::page_table::split_kernel_user();
            }
        }
        let next_ctx: *const arch::exception::Context = &next_p.ctx;
        CURRENT.store(next, Ordering::SeqCst);
        drop(procs);
        // SAFETY: both contexts live in boxed processes of the table, which
        // stay put (Box) and are removed only when reaped: `next` is not a
        // zombie (runnable), and `cur` is reaped only after this switch
        // saved it (reaping runs in another process, after we are off it).
        // Interrupts are masked, so nothing runs in between.
        unsafe { arch::exception::switch(prev_ctx, next_ctx) };
        return;
    }
}

/// Blocks the current process until `cond` holds (re-checked after every event).
/// A default-action stop signal stops the process here first; once
/// continued it goes on waiting (`jobctl::stop_point`).
pub fn wait_until(mut cond: impl FnMut() -> bool) {
    loop {
        while super::jobctl::stop_point() {}
        let seq = EVENTS.load(Ordering::SeqCst);
        if cond() {
            return;
        }
        set_wait(Some(seq));
        schedule();
        set_wait(None);
    }
}

fn set_wait(seq: Option<u64>) {
    let _irq = IrqGuard::new();
    if let Some(p) = PROCS.lock().get_mut(&CURRENT.load(Ordering::SeqCst)) {
        p.wait_seq = seq;
    }
}
