//! unlinkat(2) (unlink and rmdir; the rules are `kernel_vfs`'s).

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path, AT_REMOVEDIR};
use super::SyscallResult;
use crate::fs;

pub fn sys_unlinkat(dirfd: u64, path: u64, flags: u64) -> SyscallResult {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let path = user_path(path)?;
    let parent = fs::resolve_parent(&base_dir(dirfd, &path)?, &path)?;
    let creds = crate::process::current_creds();
    if flags & AT_REMOVEDIR != 0 {
        fs::ns().rmdir(&parent, &creds)?;
    } else {
        fs::ns().unlink(&parent, &creds)?;
    }
    Ok(0)
}
