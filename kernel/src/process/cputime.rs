//! CPU time: each process's time at EL0 (user) and in the kernel on its
//! behalf (system), measured with the counter at every EL0 boundary
//! (exception entry and return) and at every context switch, so it is
//! exact to the counter, not sampled per tick. Reaped children's times add
//! up in their parent (RUSAGE_CHILDREN, `times`, `/proc/<pid>/stat`).
//! ITIMER_VIRTUAL and ITIMER_PROF count down on these clocks (itimer.rs).

use core::sync::atomic::{AtomicU64, Ordering};

use kernel_abi::Errno;

use super::{current_pid, itimer, Process, Table, PROCS};
use crate::arch::{timer, IrqGuard};

/// CPU time of a process, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub user: u64,
    pub system: u64,
    /// Of the children (and their children) that were waited for.
    pub children_user: u64,
    pub children_system: u64,
    /// RLIMIT_CPU: the next whole second of CPU time that sends SIGXCPU.
    pub xcpu_at: u64,
}

impl CpuTimes {
    /// What a reaped child adds to its parent's children times.
    pub fn add_child(&mut self, child: &CpuTimes) {
        self.children_user += child.user + child.children_user;
        self.children_system += child.system + child.children_system;
    }
}

/// The counter (ns) at the last boundary: the time since belongs to the
/// current process, at EL0 or in the kernel depending on the boundary.
static STAMP: AtomicU64 = AtomicU64::new(0);

fn elapsed() -> u64 {
    let now = timer::now_ns();
    now.saturating_sub(STAMP.swap(now, Ordering::Relaxed))
}

fn credit(p: &mut Process, user: bool, ns: u64) {
    // The running thread is the one held in the entry (thread.rs).
    p.thread_cpu_ns += ns;
    if user {
        p.thread_user_ns += ns;
        p.times.user += ns;
    } else {
        p.times.system += ns;
    }
    itimer::cpu_ticked(p);
    cpu_limit(p);
}

/// RLIMIT_CPU, as Linux: SIGXCPU when the soft limit is reached and every
/// second after it, SIGKILL at the hard limit.
fn cpu_limit(p: &mut Process) {
    use super::rlimit::{RLIMIT_CPU, RLIM_INFINITY};
    let limit = p.rlimits.0[RLIMIT_CPU];
    if limit.cur == RLIM_INFINITY {
        return;
    }
    let secs = (p.times.user + p.times.system) / 1_000_000_000;
    if secs >= limit.max {
        p.signals.raise(super::signal::SIGKILL);
    } else if secs >= limit.cur && secs >= p.times.xcpu_at {
        p.signals.raise(super::signal::SIGXCPU);
        p.times.xcpu_at = secs + 1;
    }
}

/// An exception from EL0 (`entered`) or the return to it: the time since
/// the last boundary was user time, respectively system time.
pub fn user_boundary(entered: bool) {
    let ns = elapsed();
    let _irq = IrqGuard::new();
    if let Some(p) = PROCS.lock().get_mut(&current_pid()) {
        if p.pid != 0 {
            credit(p, entered, ns);
        }
    }
}

/// The scheduler leaves process `pid` (in the kernel): its system time so far.
pub(crate) fn switch_out(procs: &mut Table, pid: u32) {
    let ns = elapsed();
    if let Some(p) = procs.get_mut(&pid) {
        if p.pid != 0 {
            credit(p, false, ns);
        }
    }
}

/// Drops the time since the last boundary (the CPU idled).
pub(crate) fn discard() {
    elapsed();
}

/// The current process's times, the running interval included (it is in
/// the kernel now, asking: system time).
pub fn current() -> CpuTimes {
    let ns = elapsed();
    let _irq = IrqGuard::new();
    let mut procs = PROCS.lock();
    match procs.get_mut(&current_pid()) {
        Some(p) => {
            credit(p, false, ns);
            p.times
        }
        None => CpuTimes::default(),
    }
}

/// clock_gettime's CPU-time clocks: CLOCK_PROCESS_CPUTIME_ID (2),
/// CLOCK_THREAD_CPUTIME_ID (3) and the negative ids of
/// clock_getcpuclockid / pthread_getcpuclockid (`~pid << 3 | kind`, kind
/// 0 PROF, 1 VIRT, 2 SCHED; bit 2: the thread clock). None: not a CPU
/// clock; EINVAL for a malformed id or a pid that does not exist.
pub fn clock_ns(clock: i32) -> Option<Result<u64, Errno>> {
    const PROCESS: i32 = 2;
    const THREAD: i32 = 3;
    if clock == PROCESS {
        let t = current();
        return Some(Ok(t.user + t.system));
    }
    if clock == THREAD {
        current();
        return Some(super::with_current(|p| p.thread_cpu_ns).map_err(|_| Errno::EINVAL));
    }
    if clock >= 0 {
        return None;
    }
    let kind = clock & 3;
    let pid = !(clock >> 3) as u32;
    if kind == 3 {
        return Some(Err(Errno::EINVAL));
    }
    if clock & 4 != 0 {
        // A thread's clock (pthread_getcpuclockid): a thread of the
        // caller's process, as Linux requires (EINVAL otherwise). Kept as
        // user + system time, whatever the kind.
        current();
        return Some(
            super::with_current(|p| p.thread_cpu_of(if pid == 0 { p.tid } else { pid }))
                .ok()
                .flatten()
                .ok_or(Errno::EINVAL),
        );
    }
    let t = if pid == 0 || pid == current_pid() {
        current()
    } else {
        match super::with_pid(pid, |p| p.times) {
            Some(t) => t,
            None => return Some(Err(Errno::EINVAL)),
        }
    };
    Some(Ok(if kind == 1 { t.user } else { t.user + t.system }))
}
