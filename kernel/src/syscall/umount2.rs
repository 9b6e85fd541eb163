//! umount2(2). Flags are checked at the boundary (unknown bits EINVAL, as
//! Linux); MNT_FORCE, MNT_DETACH, MNT_EXPIRE and UMOUNT_NOFOLLOW have no
//! effect yet (no busy mounts, no expiry, the target is resolved as given).

use super::args::{user_path, UmountFlags, UserCStr};
use super::current::current;
use super::SyscallResult;
use crate::fs;

pub fn sys_umount2(target: UserCStr, _flags: UmountFlags) -> SyscallResult {
    current().require_privileged()?; // CAP_SYS_ADMIN
    let target = user_path(target)?;
    fs::umount(&current().cwd()?, &target)?;
    Ok(0)
}
