//! Processes: the process table, fork, exit, wait and exec on top of the
//! scheduler (`sched.rs`). pid 0 is the boot context (the idle task), which
//! starts the boot self-tests and init and reaps what it started.

pub mod exec;
pub mod jobctl;
pub mod sched;
pub mod signal;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use kernel_abi::Errno;
use spin::Mutex;

use crate::arch::exception::TrapFrame;
use crate::arch::task::Task;
use crate::arch::IrqGuard;
use crate::mm::page_table::{AddressSpace, CowFault, Frame, UserPerms, PAGE_SIZE};

/// Anonymous mappings are placed upwards from here.
pub const MMAP_BASE: u64 = 0x10_0000_0000;
/// Largest brk heap.
const BRK_MAX: u64 = 1 << 30;
/// Most processes at once.
const MAX_PROCESSES: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Running,
    /// Stopped by this signal (job control): not scheduled until SIGCONT
    /// or SIGKILL.
    Stopped(usize),
    /// Exited; the wait status (`exit_code << 8` or the signal number).
    Zombie(i32),
}

pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    pub pgid: u32,
    pub sid: u32,
    pub name: String,
    /// None for pid 0 and after exit.
    pub space: Option<AddressSpace>,
    pub brk_start: u64,
    pub brk: u64,
    pub mmap_next: u64,
    pub signals: signal::SignalState,
    pub umask: u32,
    /// Absolute, normalised working directory.
    pub cwd: String,
    pub fds: crate::fs::file::FdTable,
    /// argv joined with NULs (/proc/<pid>/cmdline).
    pub cmdline: Vec<u8>,
    pub state: State,
    /// A stop or continue not yet reported to the parent by wait4.
    pub job_event: Option<jobctl::JobEvent>,
    /// Waiting for an event newer than this (sched.rs).
    pub(crate) wait_seq: Option<u64>,
    /// Its kernel task (registers and kernel stack); None until `spawn`.
    pub(crate) task: Option<Arc<Task>>,
    /// Clock ticks at creation (`/proc/<pid>/stat` starttime).
    pub start_ticks: u64,
    /// Chosen by the OOM killer (`resolve_cow`): SIGKILL is pending.
    pub oom_killed: bool,
}

impl Process {
    /// A process around a loaded image, with fresh per-process state.
    pub fn new(name: &str, space: AddressSpace, brk: u64) -> Process {
        Process {
            pid: 0,
            ppid: 0,
            pgid: 0,
            sid: 0,
            name: name.into(),
            space: Some(space),
            brk_start: brk,
            brk,
            mmap_next: MMAP_BASE,
            signals: signal::SignalState::default(),
            umask: 0o022,
            cwd: "/".into(),
            fds: crate::fs::file::FdTable::default(),
            cmdline: Vec::new(),
            state: State::Running,
            job_event: None,
            wait_seq: None,
            task: None,
            start_ticks: crate::init::ticks(),
            oom_killed: false,
        }
    }

    /// Opens /dev/console read-write as each of `fds` (what Linux does for init).
    pub fn attach_console(&mut self, fds: &[usize]) {
        use crate::fs::file::{OpenFile, O_RDWR};
        match crate::fs::resolve("/", "/dev/console", true) {
            Ok(console) => {
                let f = OpenFile::new(console, O_RDWR, "/dev/console".into());
                for &fd in fds {
                    let _ = self.fds.set(fd, f.clone(), false);
                }
            }
            Err(_) => printk!(crate::printk::LEVEL_WARNING, "{}: no /dev/console in the initramfs", self.name),
        }
    }

    pub fn is_zombie(&self) -> bool {
        matches!(self.state, State::Zombie(_))
    }
}

/// The process table, by pid.
pub(crate) type Table = BTreeMap<u32, Box<Process>>;

pub(crate) static PROCS: Mutex<Table> = Mutex::new(BTreeMap::new());
pub(crate) static CURRENT: AtomicU32 = AtomicU32::new(0);
/// Automatic pids start at 2: 1 is init's, given explicitly.
static NEXT_PID: AtomicU32 = AtomicU32::new(2);

/// Registers the boot context as pid 0 (the idle task).
pub fn init_idle() {
    let mut p = Process::new("swapper", AddressSpace::new().expect("pid 0 address space"), 0);
    p.space = None;
    p.task = Task::boot();
    PROCS.lock().insert(0, Box::new(p));
    CURRENT.store(0, Ordering::SeqCst);
}

pub fn current_pid() -> u32 {
    CURRENT.load(Ordering::SeqCst)
}

fn alloc_pid(procs: &BTreeMap<u32, Box<Process>>) -> Result<u32, Errno> {
    if procs.len() >= MAX_PROCESSES {
        return Err(Errno::EAGAIN);
    }
    loop {
        let pid = NEXT_PID.fetch_add(1, Ordering::SeqCst);
        if pid >= 32768 {
            NEXT_PID.store(2, Ordering::SeqCst);
            continue;
        }
        if !procs.contains_key(&pid) {
            return Ok(pid);
        }
    }
}

/// Makes `p` runnable as a new process (child of the current one) that
/// enters EL0 through `frame`. `pid`: a fixed pid (init is 1), or the next free.
pub fn spawn(mut p: Process, frame: &TrapFrame, pid: Option<u32>) -> Result<u32, Errno> {
    let _irq = IrqGuard::new();
    let mut procs = PROCS.lock();
    let pid = match pid {
        Some(pid) if !procs.contains_key(&pid) => pid,
        Some(_) => return Err(Errno::EEXIST),
        None => alloc_pid(&procs)?,
    };
    p.pid = pid;
    p.ppid = current_pid();
    if p.pgid == 0 {
        p.pgid = pid;
        p.sid = pid;
    }
    p.task = Some(Task::new(frame).ok_or(Errno::ENOMEM)?);
    procs.insert(pid, Box::new(p));
    drop(procs);
    sched::notify();
    Ok(pid)
}

/// Runs `f` on the current process.
pub fn with_current<R>(f: impl FnOnce(&mut Process) -> R) -> Result<R, Errno> {
    let _irq = IrqGuard::new();
    let mut procs = PROCS.lock();
    let p = procs.get_mut(&current_pid()).ok_or(Errno::ESRCH)?;
    Ok(f(p))
}

/// Runs `f` on process `pid`.
pub fn with_pid<R>(pid: u32, f: impl FnOnce(&Process) -> R) -> Option<R> {
    let _irq = IrqGuard::new();
    PROCS.lock().get(&pid).filter(|_| pid != 0).map(|p| f(p))
}

pub fn exists(pid: u32) -> bool {
    pid != 0 && with_pid(pid, |_| ()).is_some()
}

/// Every live pid but 0.
pub fn pids() -> Vec<u32> {
    let _irq = IrqGuard::new();
    PROCS.lock().keys().copied().filter(|&p| p != 0).collect()
}

/// fork(2) (clone without sharing): a copy of the current process whose
/// first return to EL0 is `frame` with x0 = 0. Returns the child pid.
pub fn fork(frame: &TrapFrame) -> Result<u32, Errno> {
    let child = with_current(|p| -> Result<Process, Errno> {
        let space = p.space.as_mut().ok_or(Errno::EINVAL)?.duplicate().ok_or(Errno::ENOMEM)?;
        let mut c = Process::new(&p.name, space, p.brk_start);
        c.brk = p.brk;
        c.mmap_next = p.mmap_next;
        c.signals = p.signals.clone();
        c.signals.pending = 0;
        c.umask = p.umask;
        c.cwd = p.cwd.clone();
        c.fds = p.fds.clone();
        c.cmdline = p.cmdline.clone();
        c.pgid = p.pgid;
        c.sid = p.sid;
        Ok(c)
    })??;
    let mut child_frame = *frame;
    child_frame.regs[0] = 0;
    spawn(child, &child_frame, None)
}

/// Ends the current process with wait status `status`: resources go now,
/// the zombie stays until its parent waits. Never returns.
pub fn exit_current(status: i32) -> ! {
    let pid = current_pid();
    if pid == 1 {
        panic!("Attempted to kill init! exitcode={:#x}", status);
    }
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
            (p.space.take(), core::mem::take(&mut p.fds), p.task.take())
        };
        // Orphans go to init (or the boot context when init is not there yet).
        let reaper = if procs.contains_key(&1) { 1 } else { 0 };
        for c in procs.values_mut() {
            if c.ppid == pid {
                c.ppid = reaper;
            }
        }
        let ppid = procs.get(&pid).map_or(0, |p| p.ppid);
        if let Some(parent) = procs.get_mut(&ppid) {
            parent.signals.raise(signal::SIGCHLD);
        }
        jobctl::hangup_orphaned(&mut procs, &held);
        drop(procs);
        drop(space);
        drop(fds);
        drop(task);
    }
    sched::notify();
    loop {
        sched::schedule();
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
}

/// Reaps one zombie child of the current process that matches `sel`, or
/// collects a stop/continue report that `opts` asks for:
/// `Ok(Some((pid, status)))`; `Ok(None)` when matching children exist but
/// none has anything to report; ECHILD when there is none.
pub fn try_wait(sel: WaitFor, opts: WaitOptions) -> Result<Option<(u32, i32)>, Errno> {
    let me = current_pid();
    let _irq = IrqGuard::new();
    let mut procs = PROCS.lock();
    let matches = |p: &Process| {
        p.ppid == me
            && p.pid != me
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
                found = Some((p.pid, status, reap));
                break;
            }
        }
    }
    match found {
        Some((pid, status, true)) => {
            // The zombie made its final switch long ago (it is not current).
            procs.remove(&pid);
            Ok(Some((pid, status)))
        }
        Some((pid, status, false)) => {
            if let Some(p) = procs.get_mut(&pid) {
                p.job_event = None;
            }
            Ok(Some((pid, status)))
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
    let mut result = None;
    sched::wait_until(|| match try_wait(sel, opts) {
        Ok(None) => signal::has_deliverable(),
        other => {
            result = Some(other);
            true
        }
    });
    match result {
        Some(Ok(Some(r))) => Ok(r),
        Some(Err(e)) => Err(e),
        _ => Err(Errno::EINTR),
    }
}

/// brk(2): grows (or reports) the heap; returns the new break.
pub fn brk(p: &mut Process, addr: u64) -> u64 {
    let Some(space) = p.space.as_mut() else { return p.brk };
    if addr <= p.brk || addr > p.brk_start + BRK_MAX {
        // Shrinking keeps the pages (a later grow reuses them).
        if addr >= p.brk_start && addr <= p.brk {
            p.brk = addr;
        }
        return p.brk;
    }
    let first = p.brk.div_ceil(PAGE_SIZE).max(p.brk_start.div_ceil(PAGE_SIZE)) * PAGE_SIZE;
    // Fails up front (the break stays) unless free frames cover the new
    // pages and their page tables: nothing is left half mapped.
    let pages = addr.saturating_sub(first).div_ceil(PAGE_SIZE) as usize;
    if pages + pages / 512 + 3 > crate::mm::frame::stats().1 {
        return p.brk;
    }
    let mut page = first;
    while page < addr {
        if !space.is_mapped(page) {
            let Some(f) = Frame::alloc_zeroed() else { return p.brk };
            if space.map(page, f, UserPerms { write: true, exec: false }).is_err() {
                return p.brk;
            }
        }
        page += PAGE_SIZE;
    }
    p.brk = addr;
    p.brk
}

/// An anonymous mapping of `len` bytes (`shared`: MAP_SHARED, kept shared
/// with children across fork); returns its address.
pub fn mmap_anonymous(p: &mut Process, len: u64, perms: UserPerms, shared: bool) -> Result<u64, Errno> {
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    let len = len.checked_add(PAGE_SIZE - 1).ok_or(Errno::ENOMEM)? / PAGE_SIZE * PAGE_SIZE;
    let start = p.mmap_next;
    if start.checked_add(len).is_none_or(|end| end > crate::arch::layout::USER_END) {
        return Err(Errno::ENOMEM);
    }
    let mut va = start;
    while va < start + len {
        let Some(f) = Frame::alloc_zeroed() else {
            // Undo the part already mapped.
            let mut undo = start;
            while undo < va {
                space.unmap(undo);
                undo += PAGE_SIZE;
            }
            return Err(Errno::ENOMEM);
        };
        if space.map(va, f, perms).is_err() {
            // No frame for a page table: undo as above.
            let mut undo = start;
            while undo < va {
                space.unmap(undo);
                undo += PAGE_SIZE;
            }
            return Err(Errno::ENOMEM);
        }
        if shared {
            space.mark_shared(va);
        }
        va += PAGE_SIZE;
    }
    // A guard page between mappings.
    p.mmap_next = start + len + PAGE_SIZE;
    Ok(start)
}

/// mprotect(2) of whole pages; ENOMEM when part of the range is unmapped.
pub fn mprotect(p: &mut Process, addr: u64, len: u64, perms: UserPerms, none: bool) -> Result<(), Errno> {
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    let end = addr.checked_add(len.div_ceil(PAGE_SIZE) * PAGE_SIZE).ok_or(Errno::ENOMEM)?;
    let mut va = addr;
    let mut result = Ok(());
    while va < end {
        if !space.protect(va, perms, none) {
            result = Err(Errno::ENOMEM);
        }
        va += PAGE_SIZE;
    }
    result
}

/// munmap(2) of whole pages.
pub fn munmap(p: &mut Process, addr: u64, len: u64) -> Result<(), Errno> {
    if addr % PAGE_SIZE != 0 || len == 0 {
        return Err(Errno::EINVAL);
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
    let mut va = addr;
    while va < end {
        space.unmap(va);
        va += PAGE_SIZE;
    }
    Ok(())
}

/// `/proc/<pid>/stat` (the fields `ps` reads are real; the rest 0).
pub fn stat_line(pid: u32) -> Option<String> {
    with_pid(pid, |p| {
        let state = if p.is_zombie() {
            'Z'
        } else if matches!(p.state, State::Stopped(_)) {
            'T'
        } else if p.pid == current_pid() {
            'R'
        } else {
            'S'
        };
        let vsize = p.brk.saturating_sub(p.brk_start);
        alloc::format!(
            "{} ({}) {state} {} {} {} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 {} {vsize} 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
            p.pid, p.name, p.ppid, p.pgid, p.sid, p.start_ticks
        )
    })
}

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
fn oom_victim(procs: &mut BTreeMap<u32, Box<Process>>) -> Option<u32> {
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

/// A fault taken at EL0 that is not copy-on-write: the process is killed
/// by SIGSEGV (a handler for it is not run yet).
pub fn user_fault(frame: &mut TrapFrame, esr: u64, far: u64) {
    if with_current(|p| p.oom_killed).unwrap_or(false) {
        // The OOM killer chose this process (`resolve_cow`).
        exit_current(signal::SIGKILL as i32)
    }
    printk!(
        crate::printk::LEVEL_INFO,
        "{}[{}]: {} (ESR {esr:#x}) at pc {:#x}, address {far:#x}: SIGSEGV",
        with_current(|p| p.name.clone()).unwrap_or_default(),
        current_pid(),
        crate::arch::exception::exception_class(esr),
        frame.elr
    );
    exit_current(signal::SIGSEGV as i32)
}
