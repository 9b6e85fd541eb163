//! unlinkat(2) (unlink and rmdir).

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path, AT_REMOVEDIR};
use super::SyscallResult;
use crate::fs;

pub fn sys_unlinkat(dirfd: u64, path: u64, flags: u64) -> SyscallResult {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let (dir, name) = fs::resolve_parent(&base, &path)?;
    let node = dir.child(name).ok_or(Errno::ENOENT)?;
    fs::access::may_delete(&dir, &node, &crate::process::current_creds())?;
    fs::remove(&dir, name, flags & AT_REMOVEDIR != 0)?;
    Ok(0)
}
