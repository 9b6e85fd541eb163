//! umount2(2). Flags are checked at the boundary (unknown bits EINVAL, as
//! Linux), then the target is looked up (a final symlink followed unless
//! UMOUNT_NOFOLLOW) before the privilege check, in Linux's order;
//! `fs::umount` has MNT_DETACH, MNT_EXPIRE, MNT_FORCE and EBUSY.

use super::args::{user_path, UmountFlags, UserCStr};
use super::current::current;
use super::SyscallResult;
use crate::fs;

pub fn sys_umount2(target: UserCStr, flags: UmountFlags) -> SyscallResult {
    let target = user_path(target)?;
    let opts = fs::UmountOptions {
        force: flags.contains(UmountFlags::FORCE),
        detach: flags.contains(UmountFlags::DETACH),
        expire: flags.contains(UmountFlags::EXPIRE),
        nofollow: flags.contains(UmountFlags::NOFOLLOW),
    };
    let cwd = current().cwd()?;
    let node = fs::resolve(&cwd, &target, !opts.nofollow)?;
    current().require_privileged()?; // CAP_SYS_ADMIN
    fs::umount(&cwd, &target, &node, opts)?;
    Ok(0)
}
