//! Job control: stop and continue signals, what the parent learns about
//! them (SIGCHLD, wait4's WUNTRACED/WCONTINUED reports), and orphaned
//! process groups. Kept apart from signal.rs because it changes process
//! *state* (scheduling), not just signal bookkeeping, and needs the whole
//! table (parents, process groups) rather than one process.
//!
//! Like Linux, a stop signal whose action is the default one stops the
//! process where it notices it: on the way back to EL0 (`signal::deliver`)
//! or inside a kernel wait (`sched::wait_until`). A wait that was stopped
//! simply goes on waiting once continued, so `sleep 100` survives Ctrl-Z
//! and `bg` (Linux restarts the syscall to the same effect).

use super::signal::{bit, SIGCONT, SIGHUP, SIGKILL, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU};
use super::{current_pid, sched, Process, State, Table, PROCS};
use crate::arch::IrqGuard;

/// The stop signals (default action: stop).
pub const STOP_MASK: u64 = (1 << (SIGSTOP - 1)) | (1 << (SIGTSTP - 1)) | (1 << (SIGTTIN - 1)) | (1 << (SIGTTOU - 1));

/// `sa_flags` bit: no SIGCHLD when a child stops or continues.
const SA_NOCLDSTOP: u64 = 1;

pub fn is_stop(sig: usize) -> bool {
    (1..=super::signal::NSIG).contains(&sig) && STOP_MASK & bit(sig) != 0
}

/// A stop or continue a parent has not collected with wait4 yet (each is
/// reported once; a newer one replaces an older one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEvent {
    Stopped(usize),
    Continued,
}

impl JobEvent {
    /// The wait status: `0x7f | sig << 8` (WIFSTOPPED) or `0xffff` (WIFCONTINUED).
    pub fn status(self) -> i32 {
        match self {
            JobEvent::Stopped(sig) => 0x7f | (sig as i32) << 8,
            JobEvent::Continued => 0xffff,
        }
    }
}

/// Generates signal `sig` for process `pid` (kill(2), the TTY, orphaned
/// groups, the OOM killer): the side effects at send time, then the
/// pending bit.
///
/// - a stop signal discards a pending SIGCONT;
/// - SIGCONT discards pending stop signals and resumes a stopped process,
///   even when SIGCONT is blocked, ignored or handled (the parent learns it);
/// - SIGKILL resumes a stopped process so that it can die;
/// - a signal the process ignores (and does not block) is discarded.
pub(crate) fn post(procs: &mut Table, pid: u32, sig: usize) {
    post_info(procs, pid, sig, super::signal::SigInfo::default());
}

/// `post` with the siginfo the handler sees (a sender's pid and uid).
/// The signal is process-directed: one thread that does not block it
/// gets it (`Process::signal_target`).
pub(crate) fn post_info(procs: &mut Table, pid: u32, sig: usize, info: super::signal::SigInfo) {
    post_to(procs, pid, None, sig, info);
}

/// `post_info` to thread `tid` of `pid` (tkill, tgkill), or, with None,
/// to the thread the process-directed signal goes to (the leader first).
/// Stop and continue act on the whole process, whichever thread the
/// signal names.
pub(crate) fn post_to(procs: &mut Table, pid: u32, tid: Option<u32>, sig: usize, info: super::signal::SigInfo) {
    post_dest(procs, pid, tid.map_or(Dest::Process(pid), Dest::Thread), sig, info);
}

/// Where a signal goes within its process.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dest {
    /// Thread-directed (tkill, tgkill, SIGEV_THREAD_ID).
    Thread(u32),
    /// Process-directed, this thread first when it can take it (kill(2)
    /// of a non-leader's tid names that thread, as Linux's find_vpid).
    Process(u32),
}

/// `post_to` with the destination spelled out.
pub(crate) fn post_dest(procs: &mut Table, pid: u32, dest: Dest, sig: usize, mut info: super::signal::SigInfo) {
    info.shared = matches!(dest, Dest::Process(_));
    let Some(p) = procs.get_mut(&pid) else { return };
    if p.pid == 0 || p.is_zombie() || !(1..=super::signal::NSIG).contains(&sig) {
        return;
    }
    // As in Linux, init only gets the signals it handles or ignores: a
    // default action (death, stop) would take the whole system down
    // (`kill -9 1` is not a way to panic the kernel).
    if pid == 1 && p.signals.actions[sig - 1].handler == super::signal::SIG_DFL {
        return;
    }
    if is_stop(sig) {
        p.discard_pending(bit(SIGCONT));
    }
    let stopped = matches!(p.state, State::Stopped(_));
    if sig == SIGCONT {
        p.discard_pending(STOP_MASK);
    }
    if stopped && (sig == SIGCONT || sig == SIGKILL) {
        p.state = State::Running;
    }
    let target = match dest {
        Dest::Thread(tid) => tid,
        Dest::Process(prefer) => p.signal_target(sig, prefer),
    };
    // An ignored signal is discarded now (unless blocked: the action may
    // change before it is unblocked), as in Linux: a child that still
    // ignores SIGTSTP from its shell when it is sent does not stop later.
    let blocked = p.thread_view(target).is_some_and(|(mask, ..)| mask & bit(sig) != 0);
    if blocked || !p.signals.ignores_unblocked(sig) {
        p.raise_on_thread(target, sig, info);
    }
    if stopped && sig == SIGCONT {
        p.job_event = Some(JobEvent::Continued);
        let ppid = p.ppid;
        notify_parent(procs, ppid);
    }
    sched::notify();
}

/// SIGCHLD to `ppid` for a child's stop or continue, unless its SIGCHLD
/// action is ignored or has SA_NOCLDSTOP (the wait4 report stays).
fn notify_parent(procs: &mut Table, ppid: u32) {
    if let Some(parent) = procs.get_mut(&ppid) {
        let a = parent.signals.actions[super::signal::SIGCHLD - 1];
        if a.handler != super::signal::SIG_IGN && a.flags & SA_NOCLDSTOP == 0 {
            parent.signals.raise(super::signal::SIGCHLD);
        }
    }
    sched::notify();
}

/// Acts on a pending, unblocked stop signal of the current process whose
/// action is the default: stops it until SIGCONT or SIGKILL (or discards
/// it: SIGTSTP/SIGTTIN/SIGTTOU to an orphaned process group, as POSIX
/// says). Returns whether there was one (the caller looks again).
pub fn stop_point() -> bool {
    let me = current_pid();
    let stopped = {
        let _irq = IrqGuard::new();
        let mut procs = PROCS.lock();
        let Some(p) = procs.get_mut(&me) else { return false };
        let Some(sig) = p.signals.take_default_stop() else { return false };
        let pgid = p.pgid;
        if sig != SIGSTOP && is_orphaned(&procs, pgid) {
            false
        } else {
            let p = procs.get_mut(&me).expect("current process");
            p.state = State::Stopped(sig);
            p.job_event = Some(JobEvent::Stopped(sig));
            let ppid = p.ppid;
            notify_parent(&mut procs, ppid);
            true
        }
    };
    // The scheduler passes over a stopped process: this returns once
    // SIGCONT or SIGKILL made it running again.
    while stopped && super::with_current(|p| matches!(p.state, State::Stopped(_))).unwrap_or(false) {
        sched::schedule();
    }
    true
}

/// Whether process group `pgid` is orphaned: no live member has a parent
/// in another group of the same session (init and the boot context do not
/// count as such parents, as in Linux).
/// Whether process group `pgid` is orphaned (no member has a parent in
/// the same session but another group): job-control signals from the
/// terminal do not stop it.
pub fn group_orphaned(pgid: u32) -> bool {
    let _irq = IrqGuard::new();
    is_orphaned(&PROCS.lock(), pgid)
}

fn is_orphaned(procs: &Table, pgid: u32) -> bool {
    let member = |p: &Process| p.pid != 0 && p.pgid == pgid && !p.is_zombie();
    !procs
        .values()
        .filter(|p| member(p))
        .any(|p| procs.get(&p.ppid).is_some_and(|parent| parent.pid > 1 && parent.pgid != pgid && parent.sid == p.sid))
}

/// The process groups that exiting process `pid` keeps from being
/// orphaned: its own (through its parent) and its children's. Called
/// before its children are reparented; see `hangup_orphaned`.
pub(crate) fn groups_held_by(procs: &Table, pid: u32) -> alloc::vec::Vec<u32> {
    let Some(me) = procs.get(&pid) else { return alloc::vec::Vec::new() };
    let mut groups = alloc::vec::Vec::new();
    if procs.get(&me.ppid).is_some_and(|parent| parent.pgid != me.pgid && parent.sid == me.sid) {
        groups.push(me.pgid);
    }
    for c in procs.values() {
        if c.ppid == pid && c.pid != pid && c.pgid != me.pgid && c.sid == me.sid && !groups.contains(&c.pgid) {
            groups.push(c.pgid);
        }
    }
    groups
}

/// After an exit: each of `groups` that is orphaned now and has a stopped
/// member gets SIGHUP then SIGCONT (nobody is left to continue it). A
/// member about to stop (a stop signal pending) counts as stopped: it may
/// simply not have run since `kill -STOP`.
pub(crate) fn hangup_orphaned(procs: &mut Table, groups: &[u32]) {
    for &g in groups {
        let stopped = procs.values().any(|p| {
            p.pgid == g && !p.is_zombie() && (matches!(p.state, State::Stopped(_)) || p.signals.default_stops() != 0)
        });
        if stopped && is_orphaned(procs, g) {
            let members: alloc::vec::Vec<u32> =
                procs.values().filter(|p| p.pgid == g && !p.is_zombie()).map(|p| p.pid).collect();
            for pid in members {
                post(procs, pid, SIGHUP);
                post(procs, pid, SIGCONT);
            }
        }
    }
}
