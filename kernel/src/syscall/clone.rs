//! clone(2) without sharing: a new process with a copied address space,
//! with the exit signal (CSIGNAL), CLONE_SETTLS, CLONE_PARENT_SETTID,
//! CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_PARENT and CLONE_VFORK
//! (the caller waits until the child execs or exits; memory is copied, not
//! shared). Sharing anything else (CLONE_VM without CLONE_VFORK,
//! CLONE_THREAD, CLONE_SIGHAND, CLONE_FILES, CLONE_FS), CLONE_PIDFD and
//! new namespaces: EINVAL, nothing half done.

use kernel_abi::Errno;

use super::args::{CloneArgs, CloneFlags, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::arch::exception::TrapFrame;
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
    let done = CloneFlags::SETTLS
        | CloneFlags::PARENT_SETTID
        | CloneFlags::CHILD_SETTID
        | CloneFlags::CHILD_CLEARTID
        | CloneFlags::PARENT
        | CloneFlags::VFORK
        | NO_EFFECT;
    // vfork's CLONE_VM: the child gets a copy instead of the parent's memory,
    // which is all a vfork child may rely on before exec (musl's
    // posix_spawn, BusyBox).
    let vm_for_vfork = flags.contains(CloneFlags::VM | CloneFlags::VFORK);
    let rest = if vm_for_vfork { flags - CloneFlags::VM } else { flags };
    if !(rest - done).is_empty() {
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
