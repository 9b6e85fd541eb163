//! clone(2): fork semantics (a new process with a copied address space).
//! Threads (CLONE_VM, CLONE_THREAD) are not supported: EINVAL.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::arch::exception::TrapFrame;
use crate::process;

const CSIGNAL: u64 = 0xff;
const CLONE_VM: u64 = 0x100;
const CLONE_THREAD: u64 = 0x10000;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
const CLONE_PARENT_SETTID: u64 = 0x0010_0000;

pub fn sys_clone(flags: u64, stack: u64, frame: &TrapFrame) -> SyscallResult {
    let _ = (CSIGNAL, CLONE_SETTLS, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID, CLONE_PARENT_SETTID);
    // vfork (CLONE_VM|CLONE_VFORK) is served as a fork: same result for the
    // caller, the parent simply does not wait for exec.
    if flags & CLONE_THREAD != 0 || (flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0) {
        return Err(Errno::EINVAL);
    }
    let mut child_frame = *frame;
    if stack != 0 {
        child_frame.sp_el0 = stack;
    }
    process::fork(&child_frame).map(|pid| pid as usize)
}
