//! newfstatat(2) (flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, and
//! AT_NO_AUTOMOUNT and AT_STATX_* which change nothing here; others EINVAL
//! at the boundary, as Linux's `vfs_fstatat`).

use super::args::{AtFlags, DirFd, UserCStr, UserPtr};
use super::fs_util::at_node;
use super::fstat::StatBuf;
use super::SyscallResult;
use crate::fs;

pub fn sys_newfstatat(dirfd: DirFd, path: UserCStr, statbuf: UserPtr<StatBuf>, flags: AtFlags) -> SyscallResult {
    let node = at_node(dirfd, path, flags)?;
    statbuf.write(&fs::stat_bytes(&node.getattr()?))?;
    Ok(0)
}
