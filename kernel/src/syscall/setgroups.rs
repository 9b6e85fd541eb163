//! setgroups(2): the supplementary group list (at most
//! `kernel_perm::NGROUPS_MAX` entries here: EINVAL past it; Linux allows 65536).

use kernel_abi::Errno;
use kernel_perm::NGROUPS_MAX;

use super::args::{UserPtr, UserSlice, UserValue};
use super::current::current;
use super::SyscallResult;

/// Linux's NGROUPS_MAX: larger sizes are EINVAL there too.
const LINUX_NGROUPS_MAX: usize = 65536;

/// `size` is a `size_t`.
pub fn sys_setgroups(size: usize, list: UserPtr<u32>) -> SyscallResult {
    if size > LINUX_NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    current().require_privileged()?; // CAP_SETGID
    if size > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let mut raw = [0u8; NGROUPS_MAX * 4];
    UserSlice::new(list.addr(), size * 4).read_into(&mut raw[..size * 4])?;
    let mut groups = [0u32; NGROUPS_MAX];
    for (i, g) in groups.iter_mut().take(size).enumerate() {
        *g = u32::decode(&raw[i * 4..]);
    }
    current().with(|p| {
        p.creds.set_groups(&groups[..size]);
        Ok(0)
    })
}
