//! sched_getaffinity(2) on a one-CPU kernel: every process runs on CPU 0.

use kernel_abi::Errno;

use super::args::{Pid, UserSlice};
use super::sched_setaffinity::check_pid;
use super::SyscallResult;

/// Bytes of Linux's cpumask for this kernel (one `unsigned long`).
const MASK_BYTES: usize = 8;

pub fn sys_sched_getaffinity(pid: Pid, mask: UserSlice) -> SyscallResult {
    check_pid(pid)?;
    if mask.len() < MASK_BYTES || mask.len() % MASK_BYTES != 0 {
        return Err(Errno::EINVAL);
    }
    mask.write_from(&1u64.to_le_bytes())?;
    Ok(MASK_BYTES)
}
