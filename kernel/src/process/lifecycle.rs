//! A process's life after `spawn`: fork, exit, and the parent's wait4.
//! Exit and wait are the two halves of the zombie protocol (exit leaves a
//! zombie and a report, wait collects it), so they live together; job
//! control's stop/continue reports are collected here too.

use alloc::vec::Vec;
use kernel_abi::Errno;

use super::{current_pid, jobctl, sched, signal, spawn, with_current, Process, State, PROCS};
use crate::arch::exception::TrapFrame;
use crate::arch::IrqGuard;

/// What clone(2) asks of a fork beyond the copy.
#[derive(Debug, Clone, Copy)]
pub struct ForkOptions {
    /// Sent to the parent when the child exits (0: none; SIGCHLD for fork).
    pub exit_signal: usize,
    /// CLONE_PARENT: the child is the caller's sibling.
    pub sibling: bool,
    /// CLONE_SETTLS: the child's thread pointer.
    pub tls: Option<u64>,
    /// CLONE_CHILD_SETTID: the child's tid is stored here in its memory.
    pub child_tid: Option<u64>,
    /// CLONE_CHILD_CLEARTID: the child's clear-child-tid address.
    pub clear_child_tid: u64,
    /// CLONE_VFORK: the caller waits until the child execs or exits.
    pub vfork: bool,
    /// CLONE_VM (without CLONE_THREAD or CLONE_VFORK): the child uses the
    /// caller's memory, not a copy.
    pub share_vm: bool,
}

/// fork(2), and clone(2) without sharing: a copy of the current process
/// whose first return to EL0 is `frame` with x0 = 0, as `opts` says.
/// Returns the child pid.
pub fn fork(frame: &TrapFrame, opts: ForkOptions) -> Result<u32, Errno> {
    // RLIMIT_NPROC: an unprivileged user's processes (zombies included, as
    // Linux counts them until they are reaped) stay below the soft limit.
    let (uid, euid, nproc) =
        with_current(|p| (p.creds.uid, p.creds.euid, p.rlimits.0[super::rlimit::RLIMIT_NPROC].cur))?;
    if euid != 0 && super::user_processes(uid) as u64 >= nproc {
        return Err(Errno::EAGAIN);
    }
    let child = with_current(|p| -> Result<Process, Errno> {
        let parent_space = p.space.as_mut().ok_or(Errno::EINVAL)?;
        let space = if opts.share_vm { parent_space.share() } else { parent_space.duplicate().ok_or(Errno::ENOMEM)? };
        let mut c = Process::new(&p.name, space, p.brk_start);
        c.brk = p.brk;
        c.mmap_next = p.mmap_next;
        // The calling thread's mask and alternate stack (the child is a
        // copy of this thread only).
        c.signals = p.signals.clone();
        c.signals.clear_pending();
        c.umask = p.umask;
        c.creds = p.creds;
        c.cwd = p.cwd.clone();
        c.fds = p.fds.clone();
        c.cmdline = p.cmdline.clone();
        c.image = p.image.clone();
        c.pgid = p.pgid;
        c.sid = p.sid;
        // Limits are inherited; CPU times and interval timers start afresh.
        c.rlimits = p.rlimits;
        c.exit_signal = opts.exit_signal;
        c.clear_child_tid = opts.clear_child_tid;
        c.vfork_parent = opts.vfork.then_some(p.pid);
        Ok(c)
    })??;
    let mut child_frame = *frame;
    child_frame.regs[0] = 0;
    if let Some(tls) = opts.tls {
        child_frame.tpidr = tls;
    }
    let pid = spawn(child, &child_frame, None)?;
    {
        let _irq = IrqGuard::new();
        let mut procs = PROCS.lock();
        let grandparent = procs.get(&current_pid()).map(|p| p.ppid);
        if let Some(c) = procs.get_mut(&pid) {
            if let (true, Some(gp)) = (opts.sibling, grandparent) {
                c.ppid = gp;
                c.parent_tid = gp;
            }
            // The child has not run yet: its tid goes into its own copy of
            // the page (Linux's schedule_tail; a fault there is ignored, as
            // Linux ignores it).
            if let (Some(addr), Some(space)) = (opts.child_tid, c.space.as_mut()) {
                let _ = space.poke_u32(addr, pid);
            }
        }
    }
    if opts.vfork {
        // Until the child execs or exits (only SIGKILL ends the wait early).
        sched::wait_until(|| {
            super::with_pid(pid, |c| c.vfork_parent.is_none() || c.is_zombie()).unwrap_or(true)
                || with_current(|p| p.signals.pending & signal::bit(signal::SIGKILL) != 0).unwrap_or(true)
        });
    }
    Ok(pid)
}

/// The vfork child execs or exits: its parent goes on.
pub fn release_vfork_parent(p: &mut Process) {
    if p.vfork_parent.take().is_some() {
        sched::notify();
    }
}

/// Ends the current process, all its threads, with wait status `status`:
/// resources go now, the zombie stays until its parent waits (its parent
/// learns of it once, here). Never returns.
pub fn exit_current(status: i32) -> ! {
    let pid = current_pid();
    if pid == 1 {
        panic!("Attempted to kill init! exitcode={:#x}", status);
    }
    super::group_exit::end_other_threads();
    super::group_exit::exit_held_robust_list();
    super::group_exit::clear_child_tid_if_shared();
    {
        let _irq = IrqGuard::new();
        crate::mm::page_table::split_kernel_user();
        let mut procs = PROCS.lock();
        let held = jobctl::groups_held_by(&procs, pid);
        // The kernel task goes too: arch keeps it alive until the final
        // switch has left its stack, so a zombie costs no kernel stack.
        let (space, fds, task) = {
            let p = procs.get_mut(&pid).expect("current process");
            p.state = State::Zombie(status);
            p.timers.clear();
            (p.space.take(), core::mem::take(&mut p.fds), p.task.take())
        };
        // Orphans go to init (or the boot context when init is not there
        // yet), which learns of their exit by SIGCHLD whatever signal they
        // were to send (as Linux's reparent_leader).
        let reaper = if procs.contains_key(&1) { 1 } else { 0 };
        for c in procs.values_mut() {
            if c.ppid == pid {
                c.ppid = reaper;
                c.parent_tid = reaper;
                c.exit_signal = signal::SIGCHLD;
            }
        }
        let (ppid, sid, exit_signal) = procs.get_mut(&pid).map_or((0, 0, 0), |p| {
            release_vfork_parent(p);
            (p.ppid, p.sid, p.exit_signal)
        });
        // Linux's do_notify_parent: a parent whose SIGCHLD action is SIG_IGN
        // or has SA_NOCLDWAIT does not wait for this child; it is reaped
        // now (wait4 never sees it: ECHILD once no other child is left),
        // and with SIG_IGN no SIGCHLD is sent at all.
        let chld = procs.get(&ppid).map(|pa| pa.signals.actions[signal::SIGCHLD - 1]);
        let autoreap = exit_signal == signal::SIGCHLD
            && chld.is_some_and(|a| a.handler == signal::SIG_IGN || a.flags & SA_NOCLDWAIT != 0);
        if autoreap {
            if let Some(p) = procs.get_mut(&pid) {
                p.autoreap = true;
            }
        }
        reap_unwaited(&mut procs, pid);
        match exit_signal {
            0 => {}
            signal::SIGCHLD if chld.is_some_and(|a| a.handler == signal::SIG_IGN) => {}
            signal::SIGCHLD => {
                if let Some(parent) = procs.get_mut(&ppid) {
                    parent.signals.raise(signal::SIGCHLD);
                }
            }
            sig => jobctl::post(&mut procs, ppid, sig),
        }
        jobctl::hangup_orphaned(&mut procs, &held);
        drop(procs);
        drop(space);
        drop(fds);
        crate::fs::lock::release_all(pid);
        drop(task);
        if sid == pid {
            crate::tty::session_leader_exited(sid);
        }
    }
    sched::notify();
    loop {
        sched::schedule();
    }
}

/// sigaction's SA_NOCLDWAIT: the children are not to become zombies.
const SA_NOCLDWAIT: u64 = 2;

/// Releases the zombies nobody waits for (`autoreap`) except `keep`, the
/// exiting process that is still running on its stack. The others made
/// their final switch already (one CPU), and their task went at exit.
fn reap_unwaited(procs: &mut super::Table, keep: u32) {
    let gone: Vec<u32> =
        procs.values().filter(|p| p.autoreap && p.pid != keep && p.is_zombie()).map(|p| p.pid).collect();
    for pid in gone {
        procs.remove(&pid);
    }
}

/// What `wait4` selects.
#[derive(Debug, Clone, Copy)]
pub enum WaitFor {
    Any,
    Pid(u32),
    Group(u32),
}

/// Which child state changes `wait4` reports besides exits.
#[derive(Debug, Clone, Copy, Default)]
pub struct WaitOptions {
    /// WUNTRACED: a stop (once per stop).
    pub stopped: bool,
    /// WCONTINUED: a continue (once per continue).
    pub continued: bool,
    /// __WCLONE: only "clone" children (whose exit signal is not SIGCHLD),
    /// instead of only the others.
    pub clone_children: bool,
    /// __WALL: children of both kinds.
    pub all_children: bool,
    /// __WNOTHREAD: only children the calling thread made (otherwise those
    /// of every thread of the process).
    pub this_thread_only: bool,
}

/// Reaps one zombie child of the current process that matches `sel`, or
/// collects a stop/continue report that `opts` asks for:
/// `Ok(Some((pid, status, (user_ns, system_ns))))` with the child's CPU
/// times (its own and its waited-for children's: wait4's rusage);
/// `Ok(None)` when matching children exist but none has anything to
/// report; ECHILD when there is none.
pub fn try_wait_usage(sel: WaitFor, opts: WaitOptions) -> Result<Option<(u32, i32, (u64, u64))>, Errno> {
    let me = current_pid();
    let my_tid = super::current_tid();
    let _irq = IrqGuard::new();
    let mut procs = PROCS.lock();
    reap_unwaited(&mut procs, me);
    let matches = |p: &Process| {
        p.ppid == me
            && p.pid != me
            && (!opts.this_thread_only || p.parent_tid == my_tid)
            && !p.autoreap
            && (opts.all_children || (p.exit_signal != signal::SIGCHLD) == opts.clone_children)
            && match sel {
                WaitFor::Any => true,
                WaitFor::Pid(pid) => p.pid == pid,
                WaitFor::Group(g) => p.pgid == g,
            }
    };
    let mut any = false;
    let mut found = None;
    for p in procs.values() {
        if matches(p) {
            any = true;
            let event = match (p.state, p.job_event) {
                (State::Zombie(status), _) => Some((status, true)),
                (State::Stopped(_), Some(e @ jobctl::JobEvent::Stopped(_))) if opts.stopped => {
                    Some((e.status(), false))
                }
                (State::Running, Some(e @ jobctl::JobEvent::Continued)) if opts.continued => Some((e.status(), false)),
                _ => None,
            };
            if let Some((status, reap)) = event {
                let t = &p.times;
                found = Some((p.pid, status, reap, (t.user + t.children_user, t.system + t.children_system)));
                break;
            }
        }
    }
    match found {
        Some((pid, status, true, usage)) => {
            // The zombie made its final switch long ago (it is not current).
            if let Some(child) = procs.remove(&pid) {
                if let Some(parent) = procs.get_mut(&me) {
                    parent.times.add_child(&child.times);
                }
            }
            Ok(Some((pid, status, usage)))
        }
        Some((pid, status, false, usage)) => {
            if let Some(p) = procs.get_mut(&pid) {
                p.job_event = None;
            }
            Ok(Some((pid, status, usage)))
        }
        None if any => Ok(None),
        None => Err(Errno::ECHILD),
    }
}

/// Blocks until a child matching `sel` exits.
pub fn wait(sel: WaitFor) -> Result<(u32, i32), Errno> {
    wait_with(sel, WaitOptions::default())
}

/// Blocks until `try_wait` has an answer.
pub fn wait_with(sel: WaitFor, opts: WaitOptions) -> Result<(u32, i32), Errno> {
    wait_with_usage(sel, opts).map(|(pid, status, _)| (pid, status))
}

/// `wait_with`, with the child's CPU times as `try_wait_usage` gives them.
pub fn wait_with_usage(sel: WaitFor, opts: WaitOptions) -> Result<(u32, i32, (u64, u64)), Errno> {
    let mut result = None;
    sched::wait_until(|| match try_wait_usage(sel, opts) {
        Ok(None) => signal::has_deliverable(),
        other => {
            result = Some(other);
            true
        }
    });
    match result {
        Some(Ok(Some(r))) => Ok(r),
        Some(Err(e)) => Err(e),
        _ => Err(Errno::ERESTARTSYS),
    }
}
