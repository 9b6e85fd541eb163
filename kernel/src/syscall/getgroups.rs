//! getgroups(2): the supplementary group list (at most
//! `kernel_perm::NGROUPS_MAX` entries here; Linux allows 65536).

use kernel_abi::Errno;
use kernel_perm::NGROUPS_MAX;

use super::args::{UserPtr, UserSlice};
use super::current::current;
use super::SyscallResult;

/// `size` is an `int`: negative is EINVAL, 0 asks for the count.
pub fn sys_getgroups(size: i32, list: UserPtr<u32>) -> SyscallResult {
    let c = current().creds();
    let groups = c.groups();
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
    UserSlice::new(list.addr(), groups.len() * 4).write_from(&raw[..groups.len() * 4])?;
    Ok(groups.len())
}
