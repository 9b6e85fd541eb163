//! Interval timers (setitimer/getitimer, alarm): ITIMER_REAL counts wall
//! time and is checked at every tick (10 ms resolution), sending SIGALRM;
//! ITIMER_VIRTUAL (user time, SIGVTALRM) and ITIMER_PROF (user + system,
//! SIGPROF) count the process's CPU time (cputime.rs) at each boundary.
//! fork clears them in the child; exec keeps them (as Linux).

use super::signal::SigInfo;
use super::{jobctl, posix_timer, signal, Process, PROCS};
use crate::arch::{timer, IrqGuard};

pub const ITIMER_REAL: usize = 0;
pub const ITIMER_VIRTUAL: usize = 1;
pub const ITIMER_PROF: usize = 2;

/// One armed timer: when it fires next (ns: of wall time since boot for
/// REAL, of the timer's CPU clock for the others) and its period (0: once).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timer {
    pub next: u64,
    pub interval: u64,
}

/// The three timers of a process (None: disarmed).
pub type ITimers = [Option<Timer>; 3];

/// The clock timer `which` counts on, now (ns).
fn clock(p: &Process, which: usize) -> u64 {
    match which {
        ITIMER_REAL => timer::now_ns(),
        ITIMER_VIRTUAL => p.times.user,
        _ => p.times.user + p.times.system,
    }
}

/// getitimer: `(value, interval)` in ns; value 0 when disarmed. An expired
/// timer that has not been seen by a tick yet shows a tiny value, never 0.
pub fn get(p: &Process, which: usize) -> (u64, u64) {
    match p.itimers[which] {
        Some(t) => (t.next.saturating_sub(clock(p, which)).max(1), t.interval),
        None => (0, 0),
    }
}

/// setitimer: arms (value > 0) or disarms timer `which`; returns the old
/// setting as `get` does.
pub fn set(p: &mut Process, which: usize, value: u64, interval: u64) -> (u64, u64) {
    let old = get(p, which);
    p.itimers[which] = (value > 0).then(|| Timer { next: clock(p, which).saturating_add(value), interval });
    old
}

/// A timer past `now` fires: the next expiry moves on by whole periods.
fn fire(t: &mut Option<Timer>, now: u64) -> bool {
    let Some(armed) = t else { return false };
    if now < armed.next {
        return false;
    }
    if armed.interval == 0 {
        *t = None;
    } else {
        let behind = (now - armed.next) / armed.interval + 1;
        armed.next = armed.next.saturating_add(behind.saturating_mul(armed.interval));
    }
    true
}

/// After CPU time was credited to `p`: the CPU-time timers.
pub(crate) fn cpu_ticked(p: &mut Process) {
    super::posix_timer::cpu_ticked(p);
    let (user, prof) = (p.times.user, p.times.user + p.times.system);
    // Process-directed, as kill's: a thread that does not block them,
    // the running one first (Linux sends them to the task that ticked).
    if fire(&mut p.itimers[ITIMER_VIRTUAL], user) {
        p.post_local(None, p.tid, signal::SIGVTALRM, SigInfo::default());
    }
    if fire(&mut p.itimers[ITIMER_PROF], prof) {
        p.post_local(None, p.tid, signal::SIGPROF, SigInfo::default());
    }
}

/// Every timer tick: ITIMER_REAL timers that expired send SIGALRM.
pub fn tick() {
    let now = timer::now_ns();
    let _irq = IrqGuard::new();
    // From the interrupt handler: should the table be held (it never is
    // while interrupts are enabled), the next tick checks again.
    let Some(mut procs) = PROCS.try_lock() else { return };
    let mut expired: [(u32, usize, SigInfo, Option<u32>); 16] = [(0, 0, SigInfo::default(), None); 16];
    loop {
        let mut n = 0;
        for p in procs.values_mut() {
            if n < expired.len() && !p.is_zombie() && fire(&mut p.itimers[ITIMER_REAL], now) {
                expired[n] = (p.pid, signal::SIGALRM, SigInfo::default(), None);
                n += 1;
            }
            // POSIX timers (posix_timer.rs): those that would not fit in
            // this round stay due and fire in the next one.
            if n < expired.len() && !p.is_zombie() {
                let pid = p.pid;
                posix_timer::tick(p, expired.len() - n, |sig, info, target| {
                    expired[n] = (pid, sig, info, target);
                    n += 1;
                });
            }
        }
        // A SIGEV_THREAD_ID timer's signal goes to its thread.
        for &(pid, sig, info, target) in &expired[..n] {
            jobctl::post_to(&mut procs, pid, target, sig, info);
        }
        if n < expired.len() {
            break;
        }
    }
}
