//! Signals: per-process actions, blocked mask and pending set; delivery on
//! the way back to EL0 (default action, ignore, or a handler frame that
//! rt_sigreturn undoes).

use alloc::vec::Vec;

use kernel_abi::Errno;

use super::{current_pid, jobctl, with_current};
use crate::arch::exception::TrapFrame;
use crate::mm::usercopy::{copy_from_user, copy_to_user};

/// Signals 1..=64.
pub const NSIG: usize = 64;
pub const SIGHUP: usize = 1;
pub const SIGINT: usize = 2;
pub const SIGQUIT: usize = 3;
pub const SIGILL: usize = 4;
pub const SIGTRAP: usize = 5;
pub const SIGBUS: usize = 7;
pub const SIGFPE: usize = 8;
pub const SIGKILL: usize = 9;
pub const SIGSEGV: usize = 11;
pub const SIGALRM: usize = 14;
pub const SIGXCPU: usize = 24;
pub const SIGXFSZ: usize = 25;
pub const SIGPIPE: usize = 13;
pub const SIGCHLD: usize = 17;
pub const SIGCONT: usize = 18;
pub const SIGSTOP: usize = 19;
pub const SIGTSTP: usize = 20;
pub const SIGTTIN: usize = 21;
pub const SIGTTOU: usize = 22;
pub const SIGURG: usize = 23;
pub const SIGVTALRM: usize = 26;
pub const SIGPROF: usize = 27;
pub const SIGWINCH: usize = 28;
pub const SIGSYS: usize = 31;
/// The first real-time signal (the kernel's; musl keeps 32..34 for itself).
pub const SIGRTMIN: usize = 32;
/// Most real-time signal instances queued behind the pending ones, per process.
pub const MAX_QUEUED: usize = 1024;

/// Signals a fault raises: delivered before any other pending signal, as
/// Linux's SYNCHRONOUS_MASK makes them.
const SYNCHRONOUS: u64 = (1 << (SIGSEGV - 1))
    | (1 << (SIGBUS - 1))
    | (1 << (SIGILL - 1))
    | (1 << (SIGTRAP - 1))
    | (1 << (SIGFPE - 1))
    | (1 << (SIGSYS - 1));

/// What a pending signal's siginfo says beyond its number: `si_code` and,
/// for faults, `si_addr`; for a signal a process sent (kill(2): SI_USER,
/// tkill(2)/tgkill(2): SI_TKILL), the sender's `si_pid` and real `si_uid`.
/// For a timer's signal (si_code SI_TIMER): `timerid`, `overrun` and the
/// sigev_value in `value`; for rt_sigqueueinfo's: si_pid, si_uid and the
/// caller's si_value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigInfo {
    pub code: i32,
    pub addr: u64,
    pub pid: u32,
    pub uid: u32,
    pub timerid: i32,
    pub overrun: i32,
    pub value: u64,
    /// Process-directed (kill, sigqueue, a process's timer): pending on
    /// the thread it was posted to, but any thread of the process may take
    /// it (Linux's shared pending set): one that waits for it in
    /// rt_sigtimedwait, or one that does not block it (`Process::take_shared`).
    pub shared: bool,
}

/// si_code of kill(2) (zero) and of tkill(2)/tgkill(2).
pub const SI_USER: i32 = 0;
pub const SI_TKILL: i32 = -6;

impl SigInfo {
    /// A signal sent by process `pid` whose real uid is `uid`.
    pub fn from_sender(code: i32, pid: u32, uid: u32) -> Self {
        SigInfo { code, pid, uid, ..SigInfo::default() }
    }
}

/// An alternate signal stack (sigaltstack(2)); `size == 0` means none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AltStack {
    pub sp: u64,
    pub size: u64,
    /// SS_AUTODISARM: disabled while a handler runs on it.
    pub autodisarm: bool,
}

impl AltStack {
    /// Whether `sp` lies on this stack (Linux's `on_sig_stack`).
    pub fn contains(&self, sp: u64) -> bool {
        self.size != 0 && sp.wrapping_sub(self.sp) < self.size
    }
}

pub(crate) const SIG_DFL: u64 = 0;
pub(crate) const SIG_IGN: u64 = 1;
const SA_SIGINFO: u64 = 0x4;
const SA_ONSTACK: u64 = 0x0800_0000;
const SA_RESTART: u64 = 0x1000_0000;
const SA_NODEFER: u64 = 0x4000_0000;
const SA_RESETHAND: u64 = 0x8000_0000;
const SA_RESTORER: u64 = 0x0400_0000;

pub use super::sigaction::SigAction;

#[derive(Debug, Clone)]
pub struct SignalState {
    pub actions: [SigAction; NSIG],
    pub blocked: u64,
    pub pending: u64,
    /// The mask rt_sigsuspend replaced, restored after the next delivery.
    pub saved_mask: Option<u64>,
    /// siginfo details of each pending signal (by number - 1).
    pub info: [SigInfo; NSIG],
    /// Further instances of pending real-time signals, in sending order
    /// (the first one's siginfo is in `info`): real-time signals queue,
    /// standard ones do not.
    pub queued: Vec<(usize, SigInfo)>,
    pub altstack: AltStack,
}

impl Default for SignalState {
    fn default() -> Self {
        SignalState {
            actions: [SigAction::default(); NSIG],
            blocked: 0,
            pending: 0,
            saved_mask: None,
            info: [SigInfo::default(); NSIG],
            queued: Vec::new(),
            altstack: AltStack::default(),
        }
    }
}

impl SignalState {
    pub fn raise(&mut self, sig: usize) {
        self.raise_info(sig, SigInfo::default());
    }

    /// Raises `sig`. A standard signal already pending does not queue (the
    /// first one's siginfo stays, as on Linux); a real-time one does, up to
    /// `MAX_QUEUED` instances (then, as Linux out of sigqueue entries, the
    /// pending bit alone stands for it; rt_sigqueueinfo checks
    /// `Process::queued_total` first and fails with EAGAIN).
    pub fn raise_info(&mut self, sig: usize, info: SigInfo) {
        if !(1..=NSIG).contains(&sig) {
            return;
        }
        if self.pending & bit(sig) == 0 {
            self.pending |= bit(sig);
            self.info[sig - 1] = info;
        } else if sig >= SIGRTMIN && self.queued.len() < MAX_QUEUED && self.queued.try_reserve(1).is_ok() {
            self.queued.push((sig, info));
        }
    }

    /// Whether an instance of `sig` matching `f` is pending (queued ones included).
    pub fn has_pending(&self, sig: usize, f: impl Fn(&SigInfo) -> bool) -> bool {
        self.pending & bit(sig) != 0 && (f(&self.info[sig - 1]) || self.queued.iter().any(|(s, i)| *s == sig && f(i)))
    }

    /// Takes pending `sig` (its bit already chosen by the caller): its
    /// siginfo; the next queued instance, if any, keeps it pending.
    pub(crate) fn take_info(&mut self, sig: usize) -> SigInfo {
        let info = self.info[sig - 1];
        self.pending &= !bit(sig);
        if let Some(at) = self.queued.iter().position(|(s, _)| *s == sig) {
            let (_, next) = self.queued.remove(at);
            self.info[sig - 1] = next;
            self.pending |= bit(sig);
        }
        info
    }

    /// Takes the first process-directed pending instance of `sig` (the
    /// pending one or a queued one behind a thread-directed one).
    pub(crate) fn take_shared_instance(&mut self, sig: usize) -> Option<SigInfo> {
        if self.pending & bit(sig) == 0 {
            return None;
        }
        if self.info[sig - 1].shared {
            return Some(self.take_info(sig));
        }
        let at = self.queued.iter().position(|(s, i)| *s == sig && i.shared)?;
        Some(self.queued.remove(at).1)
    }

    /// Discards every pending instance of `sig`.
    fn discard(&mut self, sig: usize) {
        self.pending &= !bit(sig);
        self.queued.retain(|(s, _)| *s != sig);
    }

    /// fork: the child starts with nothing pending.
    pub fn clear_pending(&mut self) {
        self.pending = 0;
        self.queued = Vec::new();
    }

    /// Raises `sig` with its siginfo details (a fault, a timer).
    pub fn raise_with(&mut self, sig: usize, info: SigInfo) {
        if (1..=NSIG).contains(&sig) {
            self.pending |= bit(sig);
            self.info[sig - 1] = info;
        }
    }

    /// A fault's signal is forced on the process, as Linux's
    /// `force_sig_fault`: blocked or ignored, it is unblocked and its action
    /// reset to the default (so the process dies instead of looping on the
    /// faulting instruction). Returns whether a handler will run.
    pub fn force(&mut self, sig: usize, info: SigInfo) -> bool {
        let ignored = self.actions[sig - 1].handler == SIG_IGN;
        if self.blocked & bit(sig) != 0 || ignored {
            self.blocked &= !bit(sig);
            self.actions[sig - 1] = SigAction::default();
        }
        self.raise_with(sig, info);
        self.actions[sig - 1].handler > SIG_IGN
    }

    /// sigaction: installs `action` for `sig`; returns the old one. A
    /// pending `sig` that the new action ignores is discarded (POSIX).
    pub fn set_action(&mut self, sig: usize, mut action: SigAction) -> SigAction {
        action.mask &= !UNBLOCKABLE;
        let old = core::mem::replace(&mut self.actions[sig - 1], action);
        if action.handler == SIG_IGN || (action.handler == SIG_DFL && default_ignored(sig)) {
            self.discard(sig);
        }
        old
    }

    /// Whether `sig`'s action throws it away on delivery (ignored, or
    /// default ignored), whatever the mask: a sent signal that is not
    /// blocked by the thread it goes to is then discarded (jobctl::post_to).
    pub(crate) fn ignores_unblocked(&self, sig: usize) -> bool {
        let a = self.actions[sig - 1];
        a.handler == SIG_IGN || (a.handler == SIG_DFL && default_ignored(sig))
    }

    /// execve: handlers go back to the default; ignored stays ignored.
    pub fn reset_on_exec(&mut self) {
        for a in self.actions.iter_mut() {
            if a.handler != SIG_IGN {
                *a = SigAction::default();
            }
        }
        self.altstack = AltStack::default();
    }

    /// Pending signals that are not blocked.
    pub(crate) fn ready(&self) -> u64 {
        self.pending & !(self.blocked & !UNBLOCKABLE)
    }

    /// Ready stop signals whose action is the default (stop): job control's
    /// business (`jobctl::stop_point`), not a handler's. None while SIGKILL
    /// is pending: dying comes first.
    pub(crate) fn default_stops(&self) -> u64 {
        if self.pending & bit(SIGKILL) != 0 {
            return 0;
        }
        (1..=NSIG)
            .filter(|&sig| jobctl::is_stop(sig) && self.actions[sig - 1].handler == SIG_DFL)
            .fold(0, |m, sig| m | bit(sig))
            & self.ready()
    }

    /// The lowest ready signal other than a default stop, taken off the
    /// pending set.
    fn take_deliverable(&mut self) -> Option<(usize, SigInfo)> {
        let ready = self.ready() & !self.default_stops();
        if ready == 0 {
            return None;
        }
        let first = if ready & SYNCHRONOUS != 0 { ready & SYNCHRONOUS } else { ready };
        let sig = first.trailing_zeros() as usize + 1;
        Some((sig, self.take_info(sig)))
    }

    /// The lowest ready stop signal whose action is the default, taken off
    /// the pending set.
    pub(crate) fn take_default_stop(&mut self) -> Option<usize> {
        let stops = self.default_stops();
        if stops == 0 {
            return None;
        }
        let sig = stops.trailing_zeros() as usize + 1;
        self.pending &= !bit(sig);
        Some(sig)
    }
}

impl SignalState {
    /// rt_sigtimedwait: takes the lowest pending signal of `set` (blocked
    /// or not; faults first) with its siginfo.
    pub fn take_from(&mut self, set: u64) -> Option<(usize, SigInfo)> {
        let ready = self.pending & set;
        if ready == 0 {
            return None;
        }
        let first = if ready & SYNCHRONOUS != 0 { ready & SYNCHRONOUS } else { ready };
        let sig = first.trailing_zeros() as usize + 1;
        Some((sig, self.take_info(sig)))
    }
}

/// Whether an instance of `sig` matching `f` is pending on any thread of
/// a process (its held thread's `signals`, its parked `threads`).
pub(crate) fn pending_anywhere(
    signals: &SignalState,
    threads: &[super::thread::Thread],
    sig: usize,
    f: impl Fn(&SigInfo) -> bool,
) -> bool {
    signals.has_pending(sig, &f) || threads.iter().any(|t| t.signals.has_pending(sig, &f))
}

impl super::Process {
    /// Real-time signal instances queued behind pending ones, all threads.
    pub(crate) fn queued_total(&self) -> usize {
        self.signals.queued.len() + self.threads.iter().map(|t| t.signals.queued.len()).sum::<usize>()
    }

    /// Process-directed signals of `set` pending on parked threads (the
    /// shared pending set as the held thread sees it: rt_sigpending).
    pub(crate) fn shared_pending(&self, set: u64) -> u64 {
        self.threads.iter().fold(0, |m, t| {
            m | (1..=NSIG)
                .filter(|&sig| t.signals.pending & set & bit(sig) != 0 && t.signals.info[sig - 1].shared)
                .fold(0, |a, sig| a | bit(sig))
        })
    }

    /// Takes the lowest process-directed signal of `set` pending on a
    /// parked thread, for the held one (Linux dequeues from the shared
    /// set whichever thread asks).
    pub(crate) fn take_shared(&mut self, set: u64) -> Option<(usize, SigInfo)> {
        let sig = self.shared_pending(set).trailing_zeros() as usize + 1;
        if sig > NSIG {
            return None;
        }
        let t =
            self.threads.iter_mut().find(|t| t.signals.pending & bit(sig) != 0 && t.signals.info[sig - 1].shared)?;
        Some((sig, t.signals.take_info(sig)))
    }

    /// Posts `sig` from within the process (a CPU-time timer, the process
    /// running): to thread `tid`, or, with None, to a thread that does
    /// not block it, `prefer` first (`signal_target`); discarded when that thread does not
    /// block it and the action ignores it.
    pub(crate) fn post_local(&mut self, tid: Option<u32>, prefer: u32, sig: usize, mut info: SigInfo) {
        info.shared = tid.is_none();
        let target = tid.unwrap_or_else(|| self.signal_target(sig, prefer));
        let blocked = self.thread_view(target).is_some_and(|(mask, ..)| mask & bit(sig) != 0);
        if blocked || !self.signals.ignores_unblocked(sig) {
            self.raise_on_thread(target, sig, info);
        }
    }
}

/// The mask bit of signal `sig` (1-based).
pub fn bit(sig: usize) -> u64 {
    1 << (sig - 1)
}

/// SIGKILL and SIGSTOP can never be blocked.
pub const UNBLOCKABLE: u64 = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1));

fn default_ignored(sig: usize) -> bool {
    matches!(sig, SIGCHLD | SIGCONT | SIGURG | SIGWINCH)
}

/// Whether the current process has a signal that would interrupt a wait.
/// A default-action stop signal does not: the wait stops and then goes on
/// (`sched::wait_until` calls `jobctl::stop_point`).
pub fn has_deliverable() -> bool {
    with_current(|p| {
        let s = &p.signals;
        // Its own, and process-directed ones no thread could take when
        // they were sent (pending on threads that block them) that it
        // does not block (rt_sigsuspend, ppoll and pselect6 masks).
        let stranded = p.stranded_shared() & !s.blocked & !jobctl::STOP_MASK;
        let ready = (s.ready() & !s.default_stops()) | stranded;
        (1..=NSIG).any(|sig| {
            ready & bit(sig) != 0 && {
                let a = s.actions[sig - 1];
                a.handler != SIG_IGN && !(a.handler == SIG_DFL && default_ignored(sig))
            }
        })
    })
    .unwrap_or(false)
}

/// kill(2) targets. As Linux: a target needs `may_signal` (or SIGCONT in
/// the sender's session); EPERM only when none of the matches may be signalled.
/// `code` is the siginfo's si_code (SI_USER or SI_TKILL); si_pid and
/// si_uid name the sender.
pub fn send(pid: i64, sig: usize, code: i32) -> Result<(), Errno> {
    send_info(pid, sig, |me, uid| SigInfo::from_sender(code, me, uid))
}

/// `send` with the siginfo `info(sender pid, sender uid)` makes
/// (rt_sigqueueinfo's is the caller's own).
pub fn send_info(pid: i64, sig: usize, info: impl Fn(u32, u32) -> SigInfo) -> Result<(), Errno> {
    if sig > NSIG {
        return Err(Errno::EINVAL);
    }
    let me = current_pid();
    let (my_pgid, my_sid, creds) = with_current(|p| (p.pgid, p.sid, p.creds))?;
    let irq = crate::arch::IrqGuard::new();
    let mut procs = super::PROCS.lock();
    let matching: Vec<(u32, u32, bool, bool)> = procs
        .values()
        // A zombie is still a process until reaped: it can be signalled
        // (no effect), as on Linux.
        .filter(|p| p.pid != 0)
        .filter(|p| match pid {
            // A non-leader thread's tid names its process too (Linux's find_vpid).
            p_ if p_ > 0 => p.pid as i64 == p_ || (p_ <= u32::MAX as i64 && p.has_thread(p_ as u32)),
            0 => p.pgid == my_pgid,
            -1 => p.pid != 1 && p.pid != me,
            g => p.pgid as i64 == -g,
        })
        .map(|p| {
            // The thread named (a tid) is the one tried first; else the leader.
            let named = if pid > 0 && p.has_thread(pid as u32) { pid as u32 } else { p.pid };
            // Its own process always (Linux's same_thread_group: a thread
            // whose credentials differ), else the uid rules.
            let may = p.pid == me
                || (sig == SIGCONT && p.sid == my_sid)
                || kernel_perm::may_signal(&creds, &p.creds_of(named));
            (p.pid, named, may, p.is_zombie())
        })
        .collect();
    let permitted: Vec<(u32, u32, bool)> = matching.iter().filter(|t| t.2).map(|t| (t.0, t.1, t.3)).collect();
    if permitted.is_empty() && !matching.is_empty() {
        return Err(Errno::EPERM);
    }
    if sig != 0 {
        for &(t, named, _) in permitted.iter().filter(|t| !t.2) {
            jobctl::post_dest(&mut procs, t, jobctl::Dest::Process(named), sig, info(me, creds.uid));
        }
    }
    drop(procs);
    drop(irq);
    super::sched::notify();
    if permitted.is_empty() {
        return Err(Errno::ESRCH);
    }
    Ok(())
}

/// Signals every process of group `pgid` (the TTY's Ctrl-C and Ctrl-Z).
pub fn send_group(pgid: u32, sig: usize) {
    let _irq = crate::arch::IrqGuard::new();
    let mut procs = super::PROCS.lock();
    let members: Vec<u32> = procs.values().filter(|p| p.pid != 0 && p.pgid == pgid).map(|p| p.pid).collect();
    for pid in members {
        jobctl::post(&mut procs, pid, sig);
    }
    drop(procs);
    super::sched::notify();
}

// Our rt_sigframe layout on the user stack (Linux arm64's): siginfo (128),
// then ucontext: flags, link, stack (24), sigmask, 120 unused, then
// sigcontext at 176: fault_address, regs[31], sp, pc, pstate, then
// __reserved (4096) at 288 holding an fpsimd_context and a terminator.
pub const SIGINFO_SIZE: u64 = 128;
const UC_STACK: u64 = 16;
const UC_SIGMASK: u64 = 40;
const UC_MCONTEXT: u64 = 176;
const MC_REGS: u64 = 8;
const MC_SP: u64 = 256;
const MC_PC: u64 = 264;
const MC_PSTATE: u64 = 272;
const MC_RESERVED: u64 = 288;
const FRAME_SIZE: u64 = SIGINFO_SIZE + UC_MCONTEXT + MC_RESERVED + 4096;
const FPSIMD_MAGIC: u32 = 0x4650_8001;
pub const SS_ONSTACK: u32 = 1;
pub const SS_DISABLE: u32 = 2;
pub const SS_AUTODISARM: u32 = 1 << 31;
/// The smallest alternate stack (arm64's MINSIGSTKSZ): it holds one frame.
pub const MINSIGSTKSZ: u64 = 5120;

/// Called on every return to EL0: stops the process for a default-action
/// stop signal (until continued), drops ignored signals, and acts on the
/// first signal with an effect (kill, or a handler frame).
pub fn deliver(frame: &mut TrapFrame) {
    deliver_after_syscall(frame, None);
}

/// Linux's ERESTARTSYS rule for a syscall a signal interrupted (`restart`:
/// its first argument register; x0 already holds -EINTR): a handler with
/// SA_RESTART, or no handler at all (the signal was ignored, stopped and
/// continued the process), re-runs the call (`svc` again, with x0 back);
/// a handler without SA_RESTART sees EINTR.
fn restart_syscall(frame: &mut TrapFrame, restart: &mut Option<u64>) {
    if let Some(x0) = restart.take() {
        frame.regs[0] = x0;
        frame.elr -= 4;
    }
}

pub fn deliver_after_syscall(frame: &mut TrapFrame, mut restart: Option<u64>) {
    loop {
        if jobctl::stop_point() {
            continue;
        }
        let Ok(Some((sig, action, old_mask, info, alt))) = with_current(|p| {
            // From other threads, only what no thread could take (pending
            // on one that blocks it): one sent to a thread that can is
            // that thread's to handle (Linux wakes only that one).
            let stealable = !p.signals.blocked & !jobctl::STOP_MASK & p.stranded_shared();
            let Some((sig, mut info)) = p.signals.take_deliverable().or_else(|| p.take_shared(stealable)) else {
                // Back to EL0 with the mask it has now (rt_sigprocmask,
                // rt_sigreturn, the end of a wait with a temporary mask):
                // what it blocks now goes to a thread that does not.
                if p.retarget_shared() {
                    super::sched::notify();
                }
                return None;
            };
            p.timers.delivered(&mut info);
            let alt = p.signals.altstack;
            let action = p.signals.actions[sig - 1];
            // After rt_sigsuspend the handler's frame restores the mask from before it.
            let old = p.signals.saved_mask.take().unwrap_or(p.signals.blocked);
            if action.handler <= SIG_IGN {
                p.signals.blocked = old;
            }
            if action.handler > SIG_IGN {
                let mut mask = old | action.mask;
                if action.flags & SA_NODEFER == 0 {
                    mask |= bit(sig);
                }
                p.signals.blocked = mask & !UNBLOCKABLE;
                if action.flags & SA_RESETHAND != 0 {
                    p.signals.actions[sig - 1] = SigAction::default();
                }
                // SS_AUTODISARM: the stack is off while the handler runs on
                // it (the frame's uc_stack brings it back at sigreturn).
                if action.flags & SA_ONSTACK != 0 && alt.autodisarm && !alt.contains(frame.sp_el0) {
                    p.signals.altstack = AltStack::default();
                }
                // The handler's mask may block other process-directed
                // signals pending here (Linux's signal_delivered retargets).
                if p.retarget_shared() {
                    super::sched::notify();
                }
            }
            Some((sig, action, old, info, alt))
        }) else {
            restart_syscall(frame, &mut restart);
            return;
        };
        match action.handler {
            SIG_IGN => {}
            SIG_DFL if default_ignored(sig) => {}
            SIG_DFL => super::exit_current(sig as i32),
            handler => {
                if action.flags & SA_RESTART != 0 {
                    restart_syscall(frame, &mut restart);
                }
                if setup_frame(frame, sig, handler, &action, old_mask, info, alt).is_err() {
                    // No room for the frame: like Linux, SIGSEGV kills.
                    super::exit_current(SIGSEGV as i32);
                }
                return;
            }
        }
    }
}

fn setup_frame(
    frame: &mut TrapFrame,
    sig: usize,
    handler: u64,
    action: &SigAction,
    old_mask: u64,
    details: SigInfo,
    alt: AltStack,
) -> Result<(), Errno> {
    // SA_ONSTACK: the frame goes on the alternate stack unless the
    // interrupted code already runs on it (Linux's sigsp()).
    let on_alt = alt.contains(frame.sp_el0);
    let top = if action.flags & SA_ONSTACK != 0 && alt.size != 0 && !on_alt {
        alt.sp.checked_add(alt.size).ok_or(Errno::EFAULT)?
    } else {
        frame.sp_el0
    };
    let base = top.checked_sub(FRAME_SIZE).ok_or(Errno::EFAULT)? & !15;
    let mut info = [0u8; SIGINFO_SIZE as usize];
    encode_info(&mut info, sig, &details);
    copy_to_user(base, &info)?;
    let uc = base + SIGINFO_SIZE;
    let mut head = [0u8; UC_MCONTEXT as usize];
    // uc_stack: the alternate stack as it was, flagged SS_ONSTACK when the
    // interrupted code ran on it, SS_DISABLE when there is none.
    let ss_flags: u32 = if alt.size == 0 {
        SS_DISABLE
    } else {
        (if on_alt { SS_ONSTACK } else { 0 }) | if alt.autodisarm { SS_AUTODISARM } else { 0 }
    };
    head[UC_STACK as usize..UC_STACK as usize + 8].copy_from_slice(&alt.sp.to_le_bytes());
    head[UC_STACK as usize + 8..UC_STACK as usize + 12].copy_from_slice(&ss_flags.to_le_bytes());
    head[UC_STACK as usize + 16..UC_STACK as usize + 24].copy_from_slice(&alt.size.to_le_bytes());
    head[UC_SIGMASK as usize..UC_SIGMASK as usize + 8].copy_from_slice(&old_mask.to_le_bytes());
    copy_to_user(uc, &head)?;
    let mc = uc + UC_MCONTEXT;
    let mut regs = [0u8; MC_RESERVED as usize];
    for (i, r) in frame.regs.iter().enumerate() {
        let at = (MC_REGS + i as u64 * 8) as usize;
        regs[at..at + 8].copy_from_slice(&r.to_le_bytes());
    }
    regs[MC_SP as usize..MC_SP as usize + 8].copy_from_slice(&frame.sp_el0.to_le_bytes());
    regs[MC_PC as usize..MC_PC as usize + 8].copy_from_slice(&frame.elr.to_le_bytes());
    regs[MC_PSTATE as usize..MC_PSTATE as usize + 8].copy_from_slice(&frame.spsr.to_le_bytes());
    regs[..8].copy_from_slice(&details.addr.to_le_bytes());
    copy_to_user(mc, &regs)?;
    let mut fp = [0u8; 528 + 8];
    fp[..4].copy_from_slice(&FPSIMD_MAGIC.to_le_bytes());
    fp[4..8].copy_from_slice(&528u32.to_le_bytes());
    fp[8..12].copy_from_slice(&(frame.fpsr as u32).to_le_bytes());
    fp[12..16].copy_from_slice(&(frame.fpcr as u32).to_le_bytes());
    for (i, v) in frame.fp.iter().enumerate() {
        fp[16 + i * 16..32 + i * 16].copy_from_slice(&v.to_le_bytes());
    }
    copy_to_user(mc + MC_RESERVED, &fp)?;
    frame.regs[0] = sig as u64;
    frame.regs[1] = base;
    frame.regs[2] = uc;
    frame.regs[30] = if action.flags & SA_RESTORER != 0 { action.restorer } else { 0 };
    frame.sp_el0 = base;
    frame.elr = handler;
    // Handlers without SA_SIGINFO get the same registers: x1 and x2 are
    // simply unused by a one-argument handler.
    let _ = SA_SIGINFO;
    Ok(())
}

/// The user's `siginfo_t` (arm64 layout) of signal `sig`.
pub fn encode_info(info: &mut [u8; SIGINFO_SIZE as usize], sig: usize, details: &SigInfo) {
    info[..4].copy_from_slice(&(sig as i32).to_le_bytes());
    info[8..12].copy_from_slice(&details.code.to_le_bytes());
    if details.code == super::posix_timer::SI_TIMER {
        // The union holds si_tid (the timer id), si_overrun, si_sigval.
        info[16..20].copy_from_slice(&details.timerid.to_le_bytes());
        info[20..24].copy_from_slice(&details.overrun.to_le_bytes());
        info[24..32].copy_from_slice(&details.value.to_le_bytes());
    } else if details.code <= 0 {
        // Sent by a process: the union holds si_pid, si_uid (and, from
        // sigqueue, si_value).
        info[16..20].copy_from_slice(&details.pid.to_le_bytes());
        info[20..24].copy_from_slice(&details.uid.to_le_bytes());
        info[24..32].copy_from_slice(&details.value.to_le_bytes());
    } else {
        info[16..24].copy_from_slice(&details.addr.to_le_bytes());
    }
}

/// rt_sigreturn(2): restores what `setup_frame` saved (sp points at the frame).
pub fn sigreturn(frame: &mut TrapFrame) -> Result<u64, Errno> {
    let base = frame.sp_el0;
    let uc = base + SIGINFO_SIZE;
    let mut mask = [0u8; 8];
    copy_from_user(&mut mask, uc + UC_SIGMASK)?;
    let mut stack = [0u8; 24];
    copy_from_user(&mut stack, uc + UC_STACK)?;
    let mc = uc + UC_MCONTEXT;
    let mut regs = [0u8; MC_RESERVED as usize];
    copy_from_user(&mut regs, mc)?;
    let word = |at: u64| u64::from_le_bytes(regs[at as usize..at as usize + 8].try_into().expect("8 bytes"));
    let pstate = word(MC_PSTATE);
    // Only EL0t with interrupts unmasked may come back (never a forged EL1 state).
    if pstate & 0xf != 0 || pstate & 0x3c0 != 0 {
        return Err(Errno::EFAULT);
    }
    let mut fp = [0u8; 528];
    copy_from_user(&mut fp, mc + MC_RESERVED)?;
    if u32::from_le_bytes(fp[..4].try_into().expect("4 bytes")) == FPSIMD_MAGIC {
        frame.fpsr = u32::from_le_bytes(fp[8..12].try_into().expect("4 bytes")) as u64;
        frame.fpcr = u32::from_le_bytes(fp[12..16].try_into().expect("4 bytes")) as u64;
        for (i, v) in frame.fp.iter_mut().enumerate() {
            *v = u128::from_le_bytes(fp[16 + i * 16..32 + i * 16].try_into().expect("16 bytes"));
        }
    }
    for i in 0..31 {
        frame.regs[i] = word(MC_REGS + i as u64 * 8);
    }
    frame.sp_el0 = word(MC_SP);
    frame.elr = word(MC_PC);
    frame.spsr = pstate;
    let word_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let ss_flags = u32::from_le_bytes(stack[8..12].try_into().expect("4 bytes"));
    let sp = frame.sp_el0;
    with_current(|p| {
        p.signals.blocked = u64::from_le_bytes(mask) & !UNBLOCKABLE;
        // Linux's restore_altstack: the saved stack comes back (this is
        // what re-arms an SS_AUTODISARM stack), unless the process runs on
        // the current one or the saved one is invalid.
        if !p.signals.altstack.contains(sp) {
            p.signals.altstack = match ss_flags & !SS_AUTODISARM {
                SS_DISABLE => AltStack::default(),
                0 | SS_ONSTACK if word_at(&stack, 16) >= MINSIGSTKSZ => AltStack {
                    sp: word_at(&stack, 0),
                    size: word_at(&stack, 16),
                    autodisarm: ss_flags & SS_AUTODISARM != 0,
                },
                _ => p.signals.altstack,
            };
        }
    })?;
    Ok(frame.regs[0])
}

/// rt_sigsuspend(2): waits with `mask` blocked until a signal is delivered.
/// Runs `f` (a wait) with the blocked mask replaced by `mask`, as ppoll
/// and pselect6 do. When `f` ends with EINTR the old mask comes back only
/// after the signal's delivery (as with rt_sigsuspend), so a signal that
/// `mask` let through is handled first; otherwise it comes back now.
pub fn with_mask<R>(mask: Option<u64>, f: impl FnOnce() -> Result<R, Errno>) -> Result<R, Errno> {
    let Some(mask) = mask else { return f() };
    let old = with_current(|p| core::mem::replace(&mut p.signals.blocked, mask & !UNBLOCKABLE))?;
    let r = f();
    let _ = with_current(|p| match r {
        Err(Errno::EINTR) => p.signals.saved_mask = Some(old),
        _ => p.signals.blocked = old,
    });
    r
}

pub fn suspend(mask: u64) -> Errno {
    let _ = with_current(|p| {
        p.signals.saved_mask = Some(p.signals.blocked);
        p.signals.blocked = mask & !UNBLOCKABLE;
    });
    super::sched::wait_until(has_deliverable);
    Errno::EINTR
}
