//! clone(2): fork semantics (a new process with a copied address space).
//! Threads (CLONE_VM without CLONE_VFORK, CLONE_THREAD) are not supported:
//! EINVAL.

use kernel_abi::Errno;

use super::args::{CloneArgs, CloneFlags};
use super::SyscallResult;
use crate::arch::exception::TrapFrame;
use crate::process;

/// `stack`: the child's stack pointer (0: the parent's). The TLS and tid
/// pointers (x2..x4) are not read: the flags that use them are not
/// implemented yet.
pub fn sys_clone(args: CloneArgs, stack: u64, frame: &TrapFrame) -> SyscallResult {
    let flags = args.flags;
    // vfork (CLONE_VM|CLONE_VFORK) is served as a fork: same result for the
    // caller, the parent simply does not wait for exec.
    if flags.contains(CloneFlags::THREAD) || (flags.contains(CloneFlags::VM) && !flags.contains(CloneFlags::VFORK)) {
        return Err(Errno::EINVAL);
    }
    let mut child_frame = *frame;
    if stack != 0 {
        child_frame.sp_el0 = stack;
    }
    process::fork(&child_frame).map(|pid| pid as usize)
}
