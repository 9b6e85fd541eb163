//! umount2(2): EBUSY while a working directory, an open file or a mount
//! inside holds the mount; MNT_DETACH takes it off the tree at once (its
//! users keep it), MNT_EXPIRE marks it first (EAGAIN) and unmounts it on a
//! second call if unused, MNT_FORCE changes nothing for these
//! filesystems, UMOUNT_NOFOLLOW does not follow a final symlink. Unknown
//! flags EINVAL at the boundary.

use kernel_abi::Errno;
use kernel_vfs::Umount;

use super::args::{user_path, UmountFlags, UserCStr};
use super::current::current;
use super::SyscallResult;
use crate::fs;

pub fn sys_umount2(target: UserCStr, flags: UmountFlags) -> SyscallResult {
    // CAP_SYS_ADMIN, checked after the lookup as Linux (a missing target
    // is ENOENT for anyone).
    if let Err(e) = current().require_privileged() {
        let target = user_path(target)?;
        fs::resolve(&current().cwd(), &target, !flags.contains(UmountFlags::NOFOLLOW))?;
        return Err(e);
    }
    let how = if flags.contains(UmountFlags::EXPIRE) {
        if flags.intersects(UmountFlags::FORCE | UmountFlags::DETACH) {
            return Err(Errno::EINVAL);
        }
        Umount::Expire
    } else if flags.contains(UmountFlags::DETACH) {
        Umount::Detach
    } else {
        Umount::Normal
    };
    let target = user_path(target)?;
    fs::umount(&current().cwd(), &target, !flags.contains(UmountFlags::NOFOLLOW), how)?;
    Ok(0)
}
