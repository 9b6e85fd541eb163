//! unlinkat(2) (unlink and rmdir; flags: AT_REMOVEDIR, others EINVAL at
//! the boundary).

use kernel_abi::Errno;

use super::args::{user_path, AtFlags, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;

pub fn sys_unlinkat(dirfd: DirFd, path: UserCStr, flags: AtFlags) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let (dir, name) = fs::resolve_parent(&base, &path)?;
    let node = dir.child(name).ok_or(Errno::ENOENT)?;
    fs::access::may_delete(&dir, &node, &current().creds())?;
    fs::remove(&dir, name, flags.contains(AtFlags::REMOVEDIR))?;
    Ok(0)
}
