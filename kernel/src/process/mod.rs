//! Processes: the process table (the `Process` record, pids, spawn and
//! lookups) here; around it, one file per concern: `lifecycle.rs` (fork,
//! exit, wait), `memory.rs` (brk, mmap, mprotect, madvise, mremap),
//! `fault.rs` (copy-on-write faults, the OOM killer, fault signals),
//! `stat.rs` (procfs text), `exec.rs`, `signal.rs`, `jobctl.rs`
//! (stop/continue), `sched.rs` (the scheduler), `cputime.rs` (CPU time),
//! `itimer.rs` (interval timers), `posix_timer.rs` (timer_create's
//! timers), `rlimit.rs` (resource limits) and
//! `futex.rs` (futex waits), `thread.rs` (the threads of a process and
//! how one of them is held in its entry) and `group_exit.rs` (a thread's
//! exit, exit_group, execve's end of the other threads).
//! pid 0 is the boot context (the idle task), which starts the boot
//! self-tests and init and reaps what it started.

pub mod aslr;
pub mod cputime;
pub mod exec;
mod fault;
pub mod futex;
mod group_exit;
pub mod itimer;
pub mod jobctl;
mod lifecycle;
pub mod memory;
pub mod posix_timer;
pub mod rlimit;
pub mod sched;
mod sigaction;
pub mod signal;
pub mod sleep_lock;
mod stat;
pub mod thread;

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
use crate::mm::page_table::AddressSpace;

pub use fault::{resolve_cow, user_fault};
pub use group_exit::{exec_takeover, exit_group, exit_thread};
pub use lifecycle::{
    exit_current, fork, release_vfork_parent, try_wait_usage, wait, wait_with_usage, ForkOptions, WaitFor, WaitOptions,
};
pub use memory::{brk, madvise, mmap, mprotect, mremap, munmap, MapRequest, Placement, MMAP_BASE};

/// Most tasks (processes and their threads) at once.
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
    /// The process id: the thread group id (tgid), the leader's tid.
    pub pid: u32,
    /// The thread whose own state the entry holds (`thread.rs`): the
    /// running thread while the process runs.
    pub tid: u32,
    /// The process's other threads.
    pub threads: Vec<thread::Thread>,
    pub ppid: u32,
    /// The thread of the parent that made it (wait4's __WNOTHREAD); another
    /// thread of the parent's once that one has ended.
    pub parent_tid: u32,
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
    /// Real, effective and saved uid/gid and the supplementary groups of
    /// the held thread (per thread, as Linux: `thread.rs`).
    pub creds: kernel_perm::Creds,
    /// The working directory (None: the root), held as a dentry so it
    /// stays valid when a directory above it is renamed.
    pub cwd: Option<crate::fs::Path>,
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
    /// The executable file behind `space` (/proc/<pid>/maps, exe).
    pub image: Option<alloc::sync::Arc<exec::Image>>,
    /// CPU time used (cputime.rs).
    pub times: cputime::CpuTimes,
    /// setitimer's timers (itimer.rs).
    pub itimers: itimer::ITimers,
    /// timer_create's timers (posix_timer.rs); fork starts without any.
    pub timers: posix_timer::PosixTimers,
    /// getrlimit/setrlimit (rlimit.rs); RLIMIT_NOFILE is also in `fds`.
    pub rlimits: rlimit::Rlimits,
    /// The signal its parent gets when it exits (clone's CSIGNAL; 0: none).
    pub exit_signal: usize,
    /// The most pages its address spaces had mapped (getrusage's
    /// ru_maxrss; every mapped page is resident here). Sampled before
    /// memory goes (munmap, brk shrink, execve) and when read.
    pub max_rss_pages: u64,
    /// A zombie nobody waits for: its parent ignored SIGCHLD (SIG_IGN or
    /// SA_NOCLDWAIT) when it exited, so it is released, never reported.
    pub autoreap: bool,
    /// set_tid_address / CLONE_CHILD_CLEARTID of the held thread: when it
    /// exits while other threads share the memory, 0 is written there and
    /// a futex waiter woken (as Linux, only when mm_users > 1).
    pub clear_child_tid: u64,
    /// set_robust_list(2) of the held thread.
    pub robust_list: thread::RobustList,
    /// When the held thread was created (clock ticks).
    pub thread_start_ticks: u64,
    /// CPU time of the held thread (ns; CLOCK_THREAD_CPUTIME_ID).
    pub thread_cpu_ns: u64,
    /// The part of it at EL0 (ns; RUSAGE_THREAD's ru_utime).
    pub thread_user_ns: u64,
    /// The thread ending the whole process (exit_group, a fatal signal,
    /// execve): the others are being killed (group_exit.rs).
    pub group_exit_by: Option<u32>,

    /// A vfork child: the parent waiting until it execs or exits.
    pub vfork_parent: Option<u32>,
    /// Has called execve since fork (Linux's !PF_FORKNOEXEC): its parent
    /// may no longer move it to another process group (setpgid: EACCES).
    pub did_exec: bool,
}

impl Process {
    /// Records the current resident set in `max_rss_pages`; returns the maximum.
    pub fn sample_rss(&mut self) -> u64 {
        if let Some(space) = self.space.as_ref() {
            self.max_rss_pages = self.max_rss_pages.max(space.mapped_pages() as u64);
        }
        self.max_rss_pages
    }

    /// A process around a loaded image, with fresh per-process state.
    pub fn new(name: &str, space: AddressSpace, brk: u64) -> Process {
        Process {
            pid: 0,
            tid: 0,
            threads: Vec::new(),
            ppid: 0,
            parent_tid: 0,
            pgid: 0,
            sid: 0,
            name: name.into(),
            space: Some(space),
            brk_start: brk,
            brk,
            mmap_next: MMAP_BASE,
            signals: signal::SignalState::default(),
            umask: 0o022,
            creds: kernel_perm::Creds::ROOT,
            cwd: None,
            fds: crate::fs::file::FdTable::default(),
            cmdline: Vec::new(),
            state: State::Running,
            job_event: None,
            wait_seq: None,
            task: None,
            start_ticks: crate::init::ticks(),
            oom_killed: false,
            image: None,
            times: cputime::CpuTimes::default(),
            itimers: Default::default(),
            timers: Default::default(),
            rlimits: rlimit::defaults(),
            exit_signal: signal::SIGCHLD,
            autoreap: false,
            max_rss_pages: 0,
            clear_child_tid: 0,
            robust_list: thread::RobustList::default(),
            thread_start_ticks: crate::init::ticks(),
            thread_cpu_ns: 0,
            thread_user_ns: 0,
            group_exit_by: None,
            vfork_parent: None,
            did_exec: false,
        }
    }

    /// Opens /dev/console read-write as each of `fds` (what Linux does for init).
    pub fn attach_console(&mut self, fds: &[usize]) {
        use crate::fs::file::{OpenFile, O_RDWR};
        match crate::fs::lookup_kernel("/dev/console").and_then(|console| OpenFile::open(console, O_RDWR)) {
            Ok(f) => {
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
/// The running process (its pid, the thread group id).
pub(crate) static CURRENT: AtomicU32 = AtomicU32::new(0);
/// The running thread: the one held in CURRENT's entry.
pub(crate) static CURRENT_TID: AtomicU32 = AtomicU32::new(0);
/// Automatic pids start at 2: 1 is init's, given explicitly.
static NEXT_PID: AtomicU32 = AtomicU32::new(2);

/// Registers the boot context as pid 0 (the idle task).
pub fn init_idle() {
    let mut p = Process::new("swapper", AddressSpace::new().expect("pid 0 address space"), 0);
    p.space = None;
    p.task = Task::boot();
    PROCS.lock().insert(0, Box::new(p));
    CURRENT.store(0, Ordering::SeqCst);
    CURRENT_TID.store(0, Ordering::SeqCst);
}

/// The running process's pid (getpid(2): the thread group id).
pub fn current_pid() -> u32 {
    CURRENT.load(Ordering::SeqCst)
}

/// The running thread's id (gettid(2)).
pub fn current_tid() -> u32 {
    CURRENT_TID.load(Ordering::SeqCst)
}

/// Whether `id` names a process or a thread (pids and tids share one space).
fn id_in_use(procs: &Table, id: u32) -> bool {
    procs.contains_key(&id) || procs.values().any(|p| p.threads.iter().any(|t| t.tid == id))
}

/// The process that has thread `tid` (not a zombie).
pub(crate) fn tgid_of(procs: &Table, tid: u32) -> Option<u32> {
    procs.values().find(|p| p.pid != 0 && p.has_thread(tid)).map(|p| p.pid)
}

/// A free id for a new process or thread (EAGAIN past MAX_PROCESSES
/// tasks, threads included).
pub(crate) fn alloc_pid(procs: &Table) -> Result<u32, Errno> {
    if procs.len() + procs.values().map(|p| p.threads.len()).sum::<usize>() >= MAX_PROCESSES {
        return Err(Errno::EAGAIN);
    }
    loop {
        let pid = NEXT_PID.fetch_add(1, Ordering::SeqCst);
        if pid >= 32768 {
            NEXT_PID.store(2, Ordering::SeqCst);
            continue;
        }
        if !id_in_use(procs, pid) {
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
        Some(pid) if !id_in_use(&procs, pid) => pid,
        Some(_) => return Err(Errno::EEXIST),
        None => alloc_pid(&procs)?,
    };
    p.pid = pid;
    p.tid = pid;
    p.ppid = current_pid();
    p.parent_tid = current_tid();
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

/// Unmaps the frames `pas` (sorted: pages of MAP_SHARED file mappings cut
/// off by a truncation) from every address space, marking the pages beyond
/// the file's end (SIGBUS there, as Linux).
pub fn revoke_pages(pas: &[u64]) {
    let _irq = IrqGuard::new();
    for p in PROCS.lock().values_mut() {
        if let Some(space) = p.space.as_mut() {
            space.revoke(pas);
        }
    }
}

/// Runs `f` on process `pid`.
pub fn with_pid<R>(pid: u32, f: impl FnOnce(&Process) -> R) -> Option<R> {
    let _irq = IrqGuard::new();
    PROCS.lock().get(&pid).filter(|_| pid != 0).map(|p| f(p))
}

/// Runs `f` on the process that has thread `tid` (not pid 0; not a zombie).
pub fn with_thread<R>(tid: u32, f: impl FnOnce(&Process) -> R) -> Option<R> {
    let _irq = IrqGuard::new();
    let procs = PROCS.lock();
    let pid = tgid_of(&procs, tid)?;
    procs.get(&pid).map(|p| f(p))
}

/// Runs `f` on process `pid` (not pid 0), mutably.
pub fn with_pid_mut<R>(pid: u32, f: impl FnOnce(&mut Process) -> R) -> Option<R> {
    let _irq = IrqGuard::new();
    PROCS.lock().get_mut(&pid).filter(|_| pid != 0).map(|p| f(p))
}

/// brk(2) for the current process. The break belongs to the address
/// space (Linux's mm): the processes that share it (clone with CLONE_VM
/// and without CLONE_THREAD) all see the new one.
pub fn brk_shared(addr: u64) -> Result<u64, Errno> {
    let _irq = IrqGuard::new();
    let mut procs = PROCS.lock();
    let me = procs.get_mut(&current_pid()).ok_or(Errno::ESRCH)?;
    let new = brk(me, addr);
    let start = me.brk_start;
    let Some(id) = me.space.as_ref().filter(|s| s.users() > 1).map(|s| s.id()) else { return Ok(new) };
    for p in procs.values_mut().filter(|p| p.space.as_ref().is_some_and(|s| s.id() == id)) {
        p.brk = new;
        p.brk_start = start;
    }
    Ok(new)
}

/// The calling thread's credentials; root's when no process runs yet
/// (boot). Never call it with `PROCS` held.
pub fn current_creds() -> kernel_perm::Creds {
    with_current(|p| p.creds).unwrap_or(kernel_perm::Creds::ROOT)
}

/// How many processes (zombies included) have real uid `uid`.
pub fn user_processes(uid: u32) -> usize {
    let _irq = IrqGuard::new();
    PROCS.lock().values().filter(|p| p.pid != 0 && p.creds.uid == uid).count()
}

pub fn exists(pid: u32) -> bool {
    pid != 0 && with_pid(pid, |_| ()).is_some()
}

/// Every live pid but 0.
pub fn pids() -> Vec<u32> {
    let _irq = IrqGuard::new();
    PROCS.lock().keys().copied().filter(|&p| p != 0).collect()
}
