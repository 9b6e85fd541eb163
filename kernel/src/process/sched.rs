//! The scheduler: round-robin over runnable threads (of every process), preemption on the
//! timer tick when the tick interrupted EL0, and one global event counter
//! for waiting (every interrupt and state change bumps it; a waiter sleeps
//! until it moves, then re-checks its condition).
//!
//! The switch itself is `arch::task::switch_to`, which keeps the tasks it
//! switches between alive on its own.

use core::sync::atomic::{AtomicU64, Ordering};

use super::{State, CURRENT, CURRENT_TID, PROCS};
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
        let cur = (CURRENT.load(Ordering::SeqCst), CURRENT_TID.load(Ordering::SeqCst));
        let mut procs = PROCS.lock();
        // Round robin over (pid, tid): the first runnable thread after the
        // current one, else the first one (possibly the current one).
        // No directed yield to a process just signalled: Linux on one CPU
        // lets the sender go on (ash's `kill $!; wait $!` then still finds
        // the job running and prints "Terminated", as the oracle shows).
        let (mut first, mut after) = (None, None);
        for (&pid, p) in procs.iter().filter(|(_, p)| p.state == State::Running) {
            for tid in p.runnable_tids(now) {
                let unit = (pid, tid);
                if first.is_none_or(|f| unit < f) {
                    first = Some(unit);
                }
                if unit > cur && after.is_none_or(|a| unit < a) {
                    after = Some(unit);
                }
            }
        }
        let Some(next) = after.or(first) else {
            // Nothing to run: wait for an interrupt (it bumps EVENTS). The
            // waiting process stays current meanwhile, but idle time is
            // nobody's CPU time.
            super::cputime::switch_out(&mut procs, cur.0);
            drop(procs);
            arch::irq_enable();
            arch::wait_for_interrupt();
            arch::irq_disable();
            super::cputime::discard();
            continue;
        };
        if next == cur {
            return;
        }
        super::cputime::switch_out(&mut procs, cur.0);
        let next_p = procs.get_mut(&next.0).expect("chosen process");
        // The chosen thread's own state comes into the entry (thread.rs).
        next_p.swap_in(next.1);
        let Some(task) = next_p.task.clone() else { return };
        match &next_p.space {
            Some(space) => space.activate(),
            None => {
                crate::mm::page_table::split_kernel_user();
            }
        }
        CURRENT.store(next.0, Ordering::SeqCst);
        CURRENT_TID.store(next.1, Ordering::SeqCst);
        drop(procs);
        // `task` is moved in: nothing on this stack holds a task across
        // the switch (an exiting process never comes back to drop it).
        arch::task::switch_to(task);
        return;
    }
}

/// Blocks the current process until `cond` holds (re-checked after every event).
/// Blocks until `f` has an answer (re-asked after every event), then
/// returns it: `wait_until` for waits that produce a value.
pub fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let mut answer = None;
    wait_until(|| {
        answer = f();
        answer.is_some()
    });
    answer.expect("wait_until returns once the condition holds")
}

/// A default-action stop signal stops the process here first; once
/// continued it goes on waiting (`jobctl::stop_point`).
pub fn wait_until(cond: impl FnMut() -> bool) {
    wait_loop(cond, true);
}

/// `wait_until` for a thread that is exiting: no stop signal stops it
/// (it is past the point where a stop could be acted on, like Linux's
/// exiting tasks).
pub fn wait_until_exiting(cond: impl FnMut() -> bool) {
    wait_loop(cond, false);
}

fn wait_loop(mut cond: impl FnMut() -> bool, stoppable: bool) {
    loop {
        while stoppable && super::jobctl::stop_point() {}
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
