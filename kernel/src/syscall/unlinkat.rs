//! unlinkat(2) (unlink and rmdir; the rules are `kernel_vfs`'s).

use super::args::{user_path, AtFlags, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;

pub fn sys_unlinkat(dirfd: DirFd, path: UserCStr, flags: AtFlags) -> SyscallResult {
    let path = user_path(path)?;
    let parent = fs::resolve_parent(&base_dir(dirfd, &path)?, &path)?;
    if flags.contains(AtFlags::REMOVEDIR) {
        fs::ns().rmdir(&parent, &current().creds())?;
    } else {
        fs::ns().unlink(&parent, &current().creds())?;
    }
    Ok(0)
}
