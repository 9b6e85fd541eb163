//! sched_setaffinity(2), sched_getaffinity(2), getcpu(2) on a one-CPU
//! kernel: CPU 0 is the only CPU there is, so a mask must hold it (EINVAL
//! otherwise, as Linux says for a mask with no online CPU) and every
//! process runs there.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process;

/// Bytes of Linux's cpumask for this kernel (one `unsigned long`).
const MASK_BYTES: u64 = 8;

fn check_pid(pid: u64) -> Result<(), Errno> {
    if pid == 0 || process::exists(pid as u32) {
        Ok(())
    } else {
        Err(Errno::ESRCH)
    }
}

pub fn sys_sched_setaffinity(pid: u64, len: u64, mask: u64) -> SyscallResult {
    check_pid(pid)?;
    let mut first = [0u8; 1];
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    copy_from_user(&mut first, mask)?;
    if first[0] & 1 == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn sys_sched_getaffinity(pid: u64, len: u64, mask: u64) -> SyscallResult {
    check_pid(pid)?;
    if len < MASK_BYTES || len % MASK_BYTES != 0 {
        return Err(Errno::EINVAL);
    }
    copy_to_user(mask, &1u64.to_le_bytes())?;
    Ok(MASK_BYTES as usize)
}

pub fn sys_getcpu(cpu: u64, node: u64) -> SyscallResult {
    for at in [cpu, node] {
        if at != 0 {
            copy_to_user(at, &0u32.to_le_bytes())?;
        }
    }
    Ok(0)
}
