//! POSIX per-process timers (timer_create(2) and friends): each timer
//! counts on its clock (MONOTONIC/BOOTTIME and relative REALTIME timers on
//! the boot-relative counter, as Linux's hrtimers put a relative REALTIME
//! timer on the monotonic base; TIMER_ABSTIME REALTIME timers on wall-clock
//! time, so clock_settime moves them; CLOCK_PROCESS_CPUTIME_ID on the
//! process's CPU time, a thread's CPU clock on that thread's) and, when it
//! expires, queues its signal with si_code SI_TIMER,
//! si_timerid and si_value. An expiry while the timer's signal is still
//! pending only counts an overrun, handed over in si_overrun at delivery
//! and kept for timer_getoverrun. The signal is process-directed (a thread
//! that does not block it gets it, as kill's) or, with SIGEV_THREAD_ID,
//! goes to the named thread. The wall-clock timers are checked at
//! every tick (10 ms), the CPU-time ones whenever CPU time is credited.
//! fork does not copy timers; exec and exit delete them.

use alloc::collections::BTreeMap;

use kernel_abi::Errno;

use super::signal::SigInfo;
use super::Process;
use crate::arch::timer;

/// si_code of a timer's signal.
pub const SI_TIMER: i32 = -2;
/// Most timers a process may hold (Linux's bound is memory; this one keeps
/// the kernel heap safe from a loop of timer_create).
const MAX_TIMERS: usize = 1024;

/// What a timer counts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerClock {
    /// CLOCK_REALTIME: relative settings on the boot-relative counter,
    /// absolute ones on wall-clock time.
    Realtime,
    /// CLOCK_MONOTONIC and CLOCK_BOOTTIME (no suspend: the same clock).
    Monotonic,
    /// CLOCK_PROCESS_CPUTIME_ID (or a process clock of clock_getcpuclockid).
    ProcessCpu,
    /// The CPU time of one thread of the process: CLOCK_THREAD_CPUTIME_ID
    /// (the creating thread) or pthread_getcpuclockid's clock.
    ThreadCpu(u32),
}

/// The base an armed timer's expiry is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Boot,
    Wall,
    Cpu,
    ThreadCpu,
}

/// How a timer notifies: `None` for SIGEV_NONE, else the signal and the
/// sigev_value its siginfo carries.
pub type Notify = Option<(usize, u64)>;

#[derive(Debug, Clone)]
pub struct PosixTimer {
    clock: TimerClock,
    notify: Notify,
    /// SIGEV_THREAD_ID: the thread the signal goes to.
    target: Option<u32>,
    /// The next expiry on `base` (ns); None when disarmed.
    next: Option<u64>,
    base: Base,
    interval: u64,
    /// Expiries not signalled because the signal was still pending.
    overrun: u64,
    /// The overrun handed over at the last delivery (timer_getoverrun).
    overrun_last: u64,
}

/// A process's timers by id, and the next id to hand out (ids are not
/// reused at once, as Linux's).
#[derive(Debug, Clone, Default)]
pub struct PosixTimers {
    timers: BTreeMap<i32, PosixTimer>,
    next_id: i32,
}

/// Clamps an overrun count to si_overrun's and timer_getoverrun's int
/// (Linux's DELAYTIMER_MAX is INT_MAX).
fn clamp(n: u64) -> i32 {
    n.min(i32::MAX as u64) as i32
}

fn now_on(p: &Process, base: Base, clock: TimerClock) -> u64 {
    match (base, clock) {
        (Base::Boot, _) => timer::now_ns(),
        (Base::Wall, _) => timer::realtime_ns(),
        (Base::ThreadCpu, TimerClock::ThreadCpu(tid)) => p.thread_cpu_of(tid).unwrap_or(0),
        _ => p.times.user + p.times.system,
    }
}

/// The base a timer on `clock` counts on (`abs`: an absolute setting).
fn base_of(clock: TimerClock, abs: bool) -> Base {
    match clock {
        TimerClock::ProcessCpu => Base::Cpu,
        TimerClock::ThreadCpu(_) => Base::ThreadCpu,
        TimerClock::Realtime if abs => Base::Wall,
        _ => Base::Boot,
    }
}

impl PosixTimers {
    /// timer_create: a disarmed timer; returns its id (EAGAIN past the bound).
    /// `target`: SIGEV_THREAD_ID's thread (checked by the caller).
    pub fn create(
        &mut self,
        clock: TimerClock,
        notify: Option<(usize, Option<u64>)>,
        target: Option<u32>,
    ) -> Result<i32, Errno> {
        if self.timers.len() >= MAX_TIMERS {
            return Err(Errno::EAGAIN);
        }
        let mut id = self.next_id;
        while self.timers.contains_key(&id) {
            id = id.checked_add(1).unwrap_or(0);
        }
        self.next_id = id.checked_add(1).unwrap_or(0);
        // A NULL sigevent: SIGALRM with the timer's id as sigev_value.
        let notify = notify.map(|(sig, value)| (sig, value.unwrap_or(id as u64)));
        let base = base_of(clock, false);
        self.timers.insert(
            id,
            PosixTimer { clock, notify, target, next: None, base, interval: 0, overrun: 0, overrun_last: 0 },
        );
        Ok(id)
    }

    pub fn delete(&mut self, id: i32) -> Result<(), Errno> {
        self.timers.remove(&id).map(|_| ()).ok_or(Errno::EINVAL)
    }

    /// exec and exit: every timer goes.
    pub fn clear(&mut self) {
        self.timers.clear();
    }

    pub fn overrun(&self, id: i32) -> Result<i32, Errno> {
        self.timers.get(&id).map(|t| clamp(t.overrun_last)).ok_or(Errno::EINVAL)
    }

    /// Whether timer `id` counts CPU time (so the caller brings CPU time up to date first).
    pub fn on_cpu(&self, id: i32) -> bool {
        self.timers.get(&id).is_some_and(|t| matches!(t.base, Base::Cpu | Base::ThreadCpu))
    }

    fn has_cpu_timers(&self) -> bool {
        self.timers.values().any(|t| matches!(t.base, Base::Cpu | Base::ThreadCpu) && t.next.is_some())
    }

    /// A delivered (or sigtimedwait-taken) timer signal: its overrun count
    /// goes into the siginfo and becomes timer_getoverrun's answer.
    pub fn delivered(&mut self, info: &mut SigInfo) {
        if info.code != SI_TIMER {
            return;
        }
        if let Some(t) = self.timers.get_mut(&info.timerid) {
            t.overrun_last = t.overrun;
            t.overrun = 0;
            info.overrun = clamp(t.overrun_last);
        }
    }
}

/// timer_gettime: `(value, interval)` in ns. An expired timer not yet seen
/// by a tick reads 1 ns, never 0; SIGEV_NONE timers are never "seen": past
/// their expiry they read 0 (periodic ones show the next period), as Linux.
pub fn get(p: &Process, id: i32) -> Result<(u64, u64), Errno> {
    let t = p.timers.timers.get(&id).ok_or(Errno::EINVAL)?;
    let Some(next) = t.next else { return Ok((0, t.interval)) };
    let now = now_on(p, t.base, t.clock);
    let value = match (next.checked_sub(now), t.notify) {
        (Some(left), _) if left > 0 => left,
        (_, None) if t.interval > 0 => t.interval - (now - next) % t.interval,
        (_, None) => 0,
        _ => 1,
    };
    Ok((value, t.interval))
}

/// timer_settime: arms (value > 0; `abs`: an instant of the timer's clock)
/// or disarms; returns the old setting as `get` does.
pub fn set(p: &mut Process, id: i32, abs: bool, value: u64, interval: u64) -> Result<(u64, u64), Errno> {
    let old = get(p, id)?;
    let clock = p.timers.timers.get(&id).ok_or(Errno::EINVAL)?.clock;
    let base = base_of(clock, abs);
    let now = now_on(p, base, clock);
    let t = p.timers.timers.get_mut(&id).ok_or(Errno::EINVAL)?;
    t.base = base;
    t.interval = interval;
    t.overrun = 0;
    t.next = match value {
        0 => None,
        v if abs => Some(v),
        v => Some(now.saturating_add(v)),
    };
    Ok(old)
}

/// Expires the timers of `p` on `base` that are due at `now`: each due
/// timer with a signal yields it with its target thread (to be posted by
/// the caller; None: process-directed) unless its
/// previous signal is still pending, which only counts an overrun.
/// At most `room` signals are yielded; the timers past that stay due.
fn expire(
    p: &mut Process,
    room: usize,
    due: impl Fn(Base, TimerClock) -> Option<u64>,
    mut send: impl FnMut(usize, SigInfo, Option<u32>),
) {
    let (signals, threads) = (&p.signals, &p.threads);
    let mut sent = 0;
    for (&id, t) in p.timers.timers.iter_mut() {
        if sent >= room {
            break;
        }
        let (Some(next), Some(now)) = (t.next, due(t.base, t.clock)) else { continue };
        if now < next {
            continue;
        }
        let periods = if t.interval == 0 {
            t.next = None;
            1
        } else {
            let behind = (now - next) / t.interval + 1;
            t.next = Some(next.saturating_add(behind.saturating_mul(t.interval)));
            behind
        };
        let Some((sig, value)) = t.notify else { continue };
        let queued = super::signal::pending_anywhere(signals, threads, sig, |i| i.code == SI_TIMER && i.timerid == id);
        if queued {
            t.overrun = t.overrun.saturating_add(periods);
        } else {
            t.overrun = periods - 1;
            sent += 1;
            send(sig, SigInfo { code: SI_TIMER, timerid: id, value, ..SigInfo::default() }, t.target);
        }
    }
}

/// The wall-clock timers of `p` (every tick): at most `room` signals to post.
pub(crate) fn tick(p: &mut Process, room: usize, send: impl FnMut(usize, SigInfo, Option<u32>)) {
    if p.timers.timers.is_empty() {
        return;
    }
    let (boot, wall) = (timer::now_ns(), timer::realtime_ns());
    expire(
        p,
        room,
        |b, _| match b {
            Base::Boot => Some(boot),
            Base::Wall => Some(wall),
            Base::Cpu | Base::ThreadCpu => None,
        },
        send,
    );
}

/// After CPU time was credited to `p` and its running (held) thread: its
/// CPU-time timers (the signal is posted within `p`, which is running).
pub(crate) fn cpu_ticked(p: &mut Process) {
    if !p.timers.has_cpu_timers() {
        return;
    }
    let (cpu, held, thread_cpu) = (p.times.user + p.times.system, p.tid, p.thread_cpu_ns);
    let mut fired: [(usize, SigInfo, Option<u32>); 4] = [(0, SigInfo::default(), None); 4];
    let mut n = 0;
    expire(
        p,
        fired.len(),
        |b, clock| match (b, clock) {
            (Base::Cpu, _) => Some(cpu),
            (Base::ThreadCpu, TimerClock::ThreadCpu(tid)) if tid == held => Some(thread_cpu),
            _ => None,
        },
        |sig, info, target| {
            fired[n] = (sig, info, target);
            n += 1;
        },
    );
    for &(sig, info, target) in &fired[..n] {
        // Process-directed: the leader first, as Linux's send_sigqueue to the tgid.
        let leader = p.pid;
        p.post_local(target, leader, sig, info);
    }
}
