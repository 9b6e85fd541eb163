//! clone(2), two kinds:
//! - a thread (CLONE_THREAD, which Linux allows only with CLONE_SIGHAND and
//!   CLONE_VM): a new thread of the caller's process sharing its memory,
//!   descriptors, fs information and signal actions, so CLONE_FS and
//!   CLONE_FILES are required too (a thread with its own table: EINVAL);
//!   CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID and
//!   CLONE_CHILD_CLEARTID apply; the exit signal is ignored, as Linux
//!   ignores it for threads (process::thread);
//! - a process: a copied address space, or with CLONE_VM (and not
//!   CLONE_VFORK) the caller's own (one memory, two processes: the child's
//!   clear-child-tid is acted on at its exit, as Linux with mm_users > 1;
//!   the break is shared, as Linux's mm->brk: process::brk_shared); with the exit
//!   signal (CSIGNAL), CLONE_SETTLS, CLONE_PARENT_SETTID,
//!   CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_PARENT and CLONE_VFORK
//!   (the caller waits until the child execs or exits; with CLONE_VM too,
//!   the memory is copied, not shared).
//! Other sharing without CLONE_THREAD (CLONE_SIGHAND, CLONE_FILES, CLONE_FS
//! in a new process), CLONE_PIDFD and new namespaces: EINVAL, nothing half
//! done.

use kernel_abi::Errno;

use super::args::{CloneArgs, CloneFlags, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::arch::exception::TrapFrame;
use crate::process::thread::{self, ThreadOptions};
use crate::process::{self, signal, ForkOptions};

/// Flags that change nothing for a process that shares nothing:
/// CLONE_DETACHED and CLONE_UNTRACED (ignored by Linux too), CLONE_PTRACE
/// (nobody traces here), CLONE_SYSVSEM (no SysV semaphores), CLONE_IO (an
/// I/O scheduling hint).
const NO_EFFECT: CloneFlags = CloneFlags::DETACHED
    .union(CloneFlags::UNTRACED)
    .union(CloneFlags::PTRACE)
    .union(CloneFlags::SYSVSEM)
    .union(CloneFlags::IO);

/// The arm64 argument order: flags, stack, parent_tid, tls, child_tid.
/// `stack`: the child's stack pointer (0: the parent's).
pub fn sys_clone(
    args: CloneArgs,
    stack: u64,
    parent_tid: UserPtr<i32>,
    tls: u64,
    child_tid: UserPtr<i32>,
    frame: &TrapFrame,
) -> SyscallResult {
    let flags = args.flags;
    if flags.contains(CloneFlags::THREAD) {
        return clone_thread(flags, stack, parent_tid, tls, child_tid, frame);
    }
    let done = CloneFlags::SETTLS
        | CloneFlags::PARENT_SETTID
        | CloneFlags::CHILD_SETTID
        | CloneFlags::CHILD_CLEARTID
        | CloneFlags::PARENT
        | CloneFlags::VFORK
        | CloneFlags::VM
        | NO_EFFECT;
    // vfork's CLONE_VM: the child gets a copy instead of the parent's memory,
    // which is all a vfork child may rely on before exec (musl's
    // posix_spawn, BusyBox). CLONE_VM alone: the child shares the memory.
    let vm_for_vfork = flags.contains(CloneFlags::VM | CloneFlags::VFORK);
    if !(flags - done).is_empty() {
        return Err(Errno::EINVAL);
    }
    if flags.contains(CloneFlags::PARENT) && current().pid() == 1 {
        // init has no parent to share (Linux: EINVAL).
        return Err(Errno::EINVAL);
    }
    let exit_signal = args.exit_signal as usize;
    let opts = ForkOptions {
        // A number past the last signal sends nothing, as on Linux.
        exit_signal: if exit_signal <= signal::NSIG { exit_signal } else { 0 },
        sibling: flags.contains(CloneFlags::PARENT),
        tls: flags.contains(CloneFlags::SETTLS).then_some(tls),
        child_tid: flags.contains(CloneFlags::CHILD_SETTID).then_some(child_tid.addr()),
        clear_child_tid: if flags.contains(CloneFlags::CHILD_CLEARTID) { child_tid.addr() } else { 0 },
        vfork: flags.contains(CloneFlags::VFORK),
        share_vm: flags.contains(CloneFlags::VM) && !vm_for_vfork,
    };
    let mut child_frame = *frame;
    if stack != 0 {
        child_frame.sp_el0 = stack;
    }
    let pid = process::fork(&child_frame, opts)?;
    if flags.contains(CloneFlags::PARENT_SETTID) {
        // Linux ignores a fault here too: the child exists either way.
        let _ = parent_tid.write(&(pid as i32));
    }
    Ok(pid as usize)
}

/// What a thread must share: Linux's own rules (CLONE_THREAD needs
/// CLONE_SIGHAND, which needs CLONE_VM) plus the fs information and the
/// descriptor table, which a thread here always shares.
const THREAD_SHARES: CloneFlags =
    CloneFlags::VM.union(CloneFlags::FS).union(CloneFlags::FILES).union(CloneFlags::SIGHAND).union(CloneFlags::THREAD);

/// clone(2) with CLONE_THREAD: a new thread of the caller's process.
fn clone_thread(
    flags: CloneFlags,
    stack: u64,
    parent_tid: UserPtr<i32>,
    tls: u64,
    child_tid: UserPtr<i32>,
    frame: &TrapFrame,
) -> SyscallResult {
    let accepted = THREAD_SHARES
        | CloneFlags::SETTLS
        | CloneFlags::PARENT_SETTID
        | CloneFlags::CHILD_SETTID
        | CloneFlags::CHILD_CLEARTID
        // A thread's parent is its process's: CLONE_PARENT changes nothing.
        | CloneFlags::PARENT
        | NO_EFFECT;
    if !(flags - accepted).is_empty() || !flags.contains(THREAD_SHARES) {
        return Err(Errno::EINVAL);
    }
    if flags.contains(CloneFlags::PARENT) && current().pid() == 1 {
        // init's threads may not be siblings of init (Linux: EINVAL).
        return Err(Errno::EINVAL);
    }
    let mut child_frame = *frame;
    if stack != 0 {
        child_frame.sp_el0 = stack;
    }
    let opts = ThreadOptions {
        tls: flags.contains(CloneFlags::SETTLS).then_some(tls),
        child_tid: flags.contains(CloneFlags::CHILD_SETTID).then_some(child_tid.addr()),
        clear_child_tid: if flags.contains(CloneFlags::CHILD_CLEARTID) { child_tid.addr() } else { 0 },
    };
    let tid = thread::spawn_thread(&child_frame, opts)?;
    if flags.contains(CloneFlags::PARENT_SETTID) {
        let _ = parent_tid.write(&(tid as i32));
    }
    Ok(tid as usize)
}
