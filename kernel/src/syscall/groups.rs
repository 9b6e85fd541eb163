//! getgroups(2) and setgroups(2): the supplementary group list (at most
//! `kernel_perm::NGROUPS_MAX` entries here; Linux allows 65536).

use kernel_abi::Errno;
use kernel_perm::NGROUPS_MAX;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process;

/// Linux's NGROUPS_MAX: larger sizes are EINVAL there too.
const LINUX_NGROUPS_MAX: u64 = 65536;

pub fn sys_getgroups(size: u64, list: u64) -> SyscallResult {
    let c = process::current_creds();
    let groups = c.groups();
    let size = size as i32;
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return Ok(groups.len());
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    let mut raw = [0u8; NGROUPS_MAX * 4];
    for (i, g) in groups.iter().enumerate() {
        raw[i * 4..i * 4 + 4].copy_from_slice(&g.to_le_bytes());
    }
    copy_to_user(list, &raw[..groups.len() * 4])?;
    Ok(groups.len())
}

pub fn sys_setgroups(size: u64, list: u64) -> SyscallResult {
    if size > LINUX_NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    // CAP_SETGID: only root.
    if process::current_creds().euid != 0 {
        return Err(Errno::EPERM);
    }
    let n = size as usize;
    if n > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let mut raw = [0u8; NGROUPS_MAX * 4];
    copy_from_user(&mut raw[..n * 4], list)?;
    let mut groups = [0u32; NGROUPS_MAX];
    for (i, g) in groups.iter_mut().take(n).enumerate() {
        *g = u32::from_le_bytes([raw[i * 4], raw[i * 4 + 1], raw[i * 4 + 2], raw[i * 4 + 3]]);
    }
    process::with_current(|p| p.creds.set_groups(&groups[..n]))?;
    Ok(0)
}
