//! Threads (CLONE_THREAD): the threads of a process share its table entry.
//!
//! A `Process` is the thread group: everything the threads share (the
//! address space, brk and mmap cursor, the descriptor table, cwd and
//! umask, signal actions, limits, pgid/sid) lives once in it.
//! What each thread owns alone is a `Thread`: its tid, kernel task (with
//! its registers and TPIDR_EL0 in the saved frame), credentials (as on
//! Linux), signal mask, pending
//! thread-directed signals and their siginfo, rt_sigsuspend's saved mask,
//! alternate signal stack, clear-child-tid and robust-list addresses, and
//! its scheduler wait.
//!
//! One thread's own state is kept *in* the entry (`Process::tid`,
//! `task`, `wait_seq`, the per-thread parts of `signals`, ...): the
//! running thread's whenever the process runs. The others wait in
//! `Process::threads`; the scheduler swaps the one it picks in
//! (`Process::swap_in`). So every handler that works on "the current
//! process" sees the calling thread's mask and pending set, and the shared
//! state is shared by construction: there is one copy of it.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;

use super::signal::{SigInfo, SignalState, NSIG};
use super::{current_pid, sched, Process, PROCS};
use crate::arch::exception::TrapFrame;
use crate::arch::task::Task;
use crate::arch::IrqGuard;

/// What clone(2) asks of a new thread.
#[derive(Debug, Clone, Copy)]
pub struct ThreadOptions {
    /// CLONE_SETTLS: its TPIDR_EL0.
    pub tls: Option<u64>,
    /// CLONE_CHILD_SETTID: its tid is stored there (shared memory).
    pub child_tid: Option<u64>,
    /// CLONE_CHILD_CLEARTID.
    pub clear_child_tid: u64,
}

/// clone(2) with CLONE_THREAD: a new thread of the current process that
/// first enters EL0 through `frame` with x0 = 0. Returns its tid.
pub fn spawn_thread(frame: &TrapFrame, opts: ThreadOptions) -> Result<u32, Errno> {
    let mut first = *frame;
    first.regs[0] = 0;
    if let Some(tls) = opts.tls {
        first.tpidr = tls;
    }
    let task = Task::new(&first).ok_or(Errno::EAGAIN)?;
    let tid = {
        let _irq = IrqGuard::new();
        let mut procs = PROCS.lock();
        let tid = super::alloc_pid(&procs)?;
        let p = procs.get_mut(&current_pid()).ok_or(Errno::ESRCH)?;
        if p.threads.try_reserve(1).is_err() {
            return Err(Errno::EAGAIN);
        }
        p.add_thread(Thread {
            tid,
            task: Some(task),
            wait_seq: None,
            signals: inherit(p.signals.blocked),
            creds: p.creds,
            clear_child_tid: opts.clear_child_tid,
            robust_list: RobustList::default(),
            start_ticks: crate::init::ticks(),
            cpu_ns: 0,
            user_ns: 0,
        });
        tid
    };
    if let Some(addr) = opts.child_tid {
        // The memory is the caller's too, and the thread has not run yet.
        // Linux ignores a fault here (schedule_tail).
        let _ = crate::mm::usercopy::copy_to_user(addr, &tid.to_le_bytes());
    }
    sched::notify();
    Ok(tid)
}

/// A thread that is not the one held in its process's entry.
pub struct Thread {
    pub tid: u32,
    pub(crate) task: Option<Arc<Task>>,
    pub(crate) wait_seq: Option<u64>,
    /// Its own signal state: mask, pending set with siginfo and queued
    /// real-time instances, rt_sigsuspend's saved mask, alternate stack.
    /// The `actions` in it are not used (the process's are).
    pub signals: SignalState,
    /// Its credentials: per thread, as Linux's (libc's set*id calls
    /// change every thread's, one thread at a time; a raw syscall only the
    /// caller's).
    pub creds: kernel_perm::Creds,
    pub clear_child_tid: u64,
    pub robust_list: RobustList,
    /// Clock ticks at creation (`/proc/<pid>/task/<tid>/stat` starttime).
    pub start_ticks: u64,
    /// CPU time used (ns).
    pub cpu_ns: u64,
    /// The part of it at EL0 (ns).
    pub user_ns: u64,
}

/// set_robust_list(2)'s registration: the list head and its size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RobustList {
    pub head: u64,
    pub len: u64,
}

/// A new thread's signal state: the creator's mask, nothing pending, no
/// alternate stack (Linux clears it for CLONE_VM children).
fn inherit(blocked: u64) -> SignalState {
    SignalState { blocked, ..SignalState::default() }
}

impl Process {
    /// How many threads the process has (0 for a zombie).
    pub fn thread_count(&self) -> usize {
        if self.is_zombie() {
            0
        } else {
            1 + self.threads.len()
        }
    }

    /// Every thread id, in order.
    pub fn tids(&self) -> Vec<u32> {
        if self.is_zombie() {
            return Vec::new();
        }
        let mut v: Vec<u32> = core::iter::once(self.tid).chain(self.threads.iter().map(|t| t.tid)).collect();
        v.sort_unstable();
        v
    }

    pub fn has_thread(&self, tid: u32) -> bool {
        !self.is_zombie() && (self.tid == tid || self.threads.iter().any(|t| t.tid == tid))
    }

    /// The thread held in the entry, as a parked `Thread` (its task taken).
    fn park_held(&mut self) -> Thread {
        // The actions stay (shared); the rest goes with the thread. No
        // allocation: the queue moves.
        let signals = core::mem::take(&mut self.signals);
        self.signals.actions = signals.actions;
        Thread {
            tid: self.tid,
            task: self.task.take(),
            wait_seq: self.wait_seq.take(),
            signals,
            creds: self.creds,
            clear_child_tid: self.clear_child_tid,
            robust_list: self.robust_list,
            start_ticks: self.thread_start_ticks,
            cpu_ns: self.thread_cpu_ns,
            user_ns: self.thread_user_ns,
        }
    }

    /// Makes `t` the thread held in the entry (the previous one must have
    /// been parked or ended).
    fn hold(&mut self, t: Thread) {
        self.tid = t.tid;
        self.task = t.task;
        self.wait_seq = t.wait_seq;
        let actions = self.signals.actions;
        self.signals = t.signals;
        self.signals.actions = actions;
        self.creds = t.creds;
        self.clear_child_tid = t.clear_child_tid;
        self.robust_list = t.robust_list;
        self.thread_start_ticks = t.start_ticks;
        self.thread_cpu_ns = t.cpu_ns;
        self.thread_user_ns = t.user_ns;
    }

    /// Brings thread `tid` into the entry, parking the one held there.
    /// Nothing happens when it is held already or is not a thread of this
    /// process.
    pub(crate) fn swap_in(&mut self, tid: u32) {
        if self.tid == tid {
            return;
        }
        let Some(i) = self.threads.iter().position(|t| t.tid == tid) else { return };
        let t = self.threads.swap_remove(i);
        let parked = self.park_held();
        self.hold(t);
        self.threads.push(parked);
    }

    /// Adds a new thread (parked until the scheduler picks it).
    pub(crate) fn add_thread(&mut self, t: Thread) {
        self.threads.push(t);
    }

    /// The held thread ends while others remain: another one is brought
    /// in. Returns the ended thread's task, which the caller drops once the
    /// process table is unlocked (arch keeps it alive while it still runs).
    pub(crate) fn end_held_thread(&mut self) -> Option<Arc<Task>> {
        let next = self.threads.pop()?;
        let task = self.task.take();
        self.hold(next);
        task
    }

    /// SIGKILL to every thread but the held one (group_exit.rs).
    pub(crate) fn kill_other_threads(&mut self) {
        for t in &mut self.threads {
            t.signals.raise_info(super::signal::SIGKILL, SigInfo::default());
        }
    }

    /// The runnable threads of this process at event `now`, by tid.
    pub(crate) fn runnable_tids(&self, now: u64) -> impl Iterator<Item = u32> + '_ {
        let held = runnable(self.task.is_some(), self.wait_seq, now).then_some(self.tid);
        let parked = self.threads.iter().filter(move |t| runnable(t.task.is_some(), t.wait_seq, now)).map(|t| t.tid);
        held.into_iter().chain(parked)
    }

    /// Raises `sig` on thread `tid` (held or parked); false when no such thread.
    pub(crate) fn raise_on_thread(&mut self, tid: u32, sig: usize, info: SigInfo) -> bool {
        if self.tid == tid {
            self.signals.raise_info(sig, info);
            return true;
        }
        match self.threads.iter_mut().find(|t| t.tid == tid) {
            Some(t) => {
                t.signals.raise_info(sig, info);
                true
            }
            None => false,
        }
    }

    /// The thread a process-directed `sig` goes to, as Linux's
    /// `complete_signal` picks one: `prefer` (the thread kill(2) named:
    /// the leader for a pid; the running one for a CPU-time timer) when it
    /// wants it, else the first other one that does (by tid). A thread
    /// wants it when it does not block it and has no other signal ready
    /// (the running one always, Linux's `wants_signal`); failing that, the
    /// first that does not block it (it takes it after the one it has);
    /// when all block it, `prefer` (or the held thread), where it waits
    /// as part of the shared set until a thread unblocks it.
    pub(crate) fn signal_target(&self, sig: usize, prefer: u32) -> u32 {
        let b = super::signal::bit(sig);
        let running = super::current_pid() == self.pid;
        // No allocation: this runs from the timer interrupt too.
        let all =
            || core::iter::once((self.tid, &self.signals)).chain(self.threads.iter().map(|t| (t.tid, &t.signals)));
        let unblocked = |s: &SignalState| s.blocked & b == 0;
        let wants = |tid: u32, s: &SignalState| unblocked(s) && ((running && tid == self.tid) || s.ready() == 0);
        // `prefer` first, then the lowest tid that passes.
        let pick = |ok: &dyn Fn(u32, &SignalState) -> bool| {
            all()
                .find(|&(tid, s)| tid == prefer && ok(tid, s))
                .or_else(|| all().filter(|&(tid, s)| ok(tid, s)).min_by_key(|&(tid, _)| tid))
                .map(|(tid, _)| tid)
        };
        pick(&wants).or_else(|| pick(&|_, s| unblocked(s))).unwrap_or(if self.has_thread(prefer) {
            prefer
        } else {
            self.tid
        })
    }

    /// Linux's `retarget_shared_pending`: process-directed signals pending
    /// on the held thread that it now blocks (its mask changed) go to a
    /// thread that does not block them, which a wait wakes up. Returns
    /// whether any moved.
    pub(crate) fn retarget_shared(&mut self) -> bool {
        let stuck = self.signals.pending & self.signals.blocked;
        if self.threads.is_empty() || stuck == 0 {
            return false;
        }
        self.move_shared(stuck, false)
    }

    /// The held thread ends: the process-directed signals pending on it go
    /// to another thread (one that does not block them if there is one),
    /// as Linux's `exit_signals` retargets them.
    pub(crate) fn hand_over_shared(&mut self) {
        let pending = self.signals.pending;
        self.move_shared(pending, true);
    }

    /// Moves the process-directed instances of the held thread's pending
    /// signals of `mask` to a parked thread that does not block them (with
    /// `any`, failing that, to the first parked thread).
    fn move_shared(&mut self, mask: u64, any: bool) -> bool {
        let mut moved = false;
        for sig in 1..=NSIG {
            let b = super::signal::bit(sig);
            if mask & b == 0 {
                continue;
            }
            let to = self.threads.iter().position(|t| t.signals.blocked & b == 0);
            let Some(to) = to.or(if any && !self.threads.is_empty() { Some(0) } else { None }) else {
                continue;
            };
            while let Some(info) = self.signals.take_shared_instance(sig) {
                self.threads[to].signals.raise_info(sig, info);
                moved = true;
            }
        }
        moved
    }

    /// Process-directed signals pending on a parked thread that blocks
    /// them (no thread could take them when they were sent): a thread that
    /// unblocks them (rt_sigsuspend, ppoll) takes them.
    pub(crate) fn stranded_shared(&self) -> u64 {
        self.threads.iter().filter(|t| t.signals.pending & t.signals.blocked != 0).fold(0, |m, t| {
            (1..=NSIG)
                .map(super::signal::bit)
                .filter(|&b| t.signals.pending & t.signals.blocked & b != 0)
                .filter(|&b| t.signals.info[b.trailing_zeros() as usize].shared)
                .fold(m, |m, b| m | b)
        })
    }

    /// Clears `mask` from every thread's pending set.
    pub(crate) fn discard_pending(&mut self, mask: u64) {
        self.signals.pending &= !mask;
        self.signals.queued.retain(|(s, _)| mask & super::signal::bit(*s) == 0);
        for t in &mut self.threads {
            t.signals.pending &= !mask;
            t.signals.queued.retain(|(s, _)| mask & super::signal::bit(*s) == 0);
        }
    }

    /// Thread `tid`'s CPU time (ns).
    pub fn thread_cpu_of(&self, tid: u32) -> Option<u64> {
        if self.tid == tid {
            return Some(self.thread_cpu_ns);
        }
        self.threads.iter().find(|t| t.tid == tid).map(|t| t.cpu_ns)
    }

    /// Thread `tid`'s user and system time (ns): RUSAGE_THREAD,
    /// `/proc/<pid>/task/<tid>/stat`.
    pub fn thread_times_of(&self, tid: u32) -> Option<(u64, u64)> {
        if self.tid == tid {
            return Some((self.thread_user_ns, self.thread_cpu_ns - self.thread_user_ns));
        }
        self.threads.iter().find(|t| t.tid == tid).map(|t| (t.user_ns, t.cpu_ns - t.user_ns))
    }

    /// Thread `tid`'s credentials (the held thread's when `tid` is not one
    /// of the process's: an ended leader's pid names the process).
    pub fn creds_of(&self, tid: u32) -> kernel_perm::Creds {
        self.threads.iter().find(|t| t.tid == tid).map_or(self.creds, |t| t.creds)
    }

    /// Thread `tid`'s robust list registration.
    pub fn robust_of(&self, tid: u32) -> Option<RobustList> {
        if self.tid == tid {
            return Some(self.robust_list);
        }
        self.threads.iter().find(|t| t.tid == tid).map(|t| t.robust_list)
    }

    /// A thread's mask, pending set and start (`/proc/<pid>/task/<tid>/`).
    pub fn thread_view(&self, tid: u32) -> Option<(u64, u64, u64, bool)> {
        if self.tid == tid {
            return Some((
                self.signals.blocked,
                self.signals.pending,
                self.thread_start_ticks,
                self.wait_seq.is_some(),
            ));
        }
        self.threads
            .iter()
            .find(|t| t.tid == tid)
            .map(|t| (t.signals.blocked, t.signals.pending, t.start_ticks, t.wait_seq.is_some()))
    }
}

/// Whether a thread with a task (or not) and this wait is runnable at
/// event `now`: it waits for an event newer than the one it saw.
fn runnable(has_task: bool, wait_seq: Option<u64>, now: u64) -> bool {
    has_task && wait_seq.is_none_or(|s| s != now)
}

/// tkill(2)/tgkill(2): `sig` to thread `tid` (of process `tgid` when
/// given: ESRCH when it is not one of its threads). Permission as kill(2)
/// (EPERM); signal 0 only checks.
pub fn send_thread(tgid: Option<u32>, tid: u32, sig: usize) -> Result<(), Errno> {
    use super::signal::SI_TKILL;
    let info = SigInfo::from_sender(SI_TKILL, current_pid(), super::current_creds().uid);
    send_thread_info(tgid, tid, sig, info)
}

/// `send_thread` with the siginfo `info` (rt_tgsigqueueinfo's is the caller's).
pub fn send_thread_info(tgid: Option<u32>, tid: u32, sig: usize, info: SigInfo) -> Result<(), Errno> {
    if sig > NSIG {
        return Err(Errno::EINVAL);
    }
    let creds = super::current_creds();
    let _irq = IrqGuard::new();
    let mut procs = PROCS.lock();
    let pid = super::tgid_of(&procs, tid).ok_or(Errno::ESRCH)?;
    if tgid.is_some_and(|g| g != pid) {
        return Err(Errno::ESRCH);
    }
    let target = procs.get(&pid).ok_or(Errno::ESRCH)?;
    // The threads of one process may always signal each other (Linux's
    // same_thread_group), whatever their credentials.
    if pid != current_pid() && !kernel_perm::may_signal(&creds, &target.creds_of(tid)) {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        super::jobctl::post_to(&mut procs, pid, Some(tid), sig, info);
    }
    drop(procs);
    sched::notify();
    Ok(())
}
