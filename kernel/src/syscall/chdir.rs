//! chdir(2) and fchdir(2): the working directory becomes a dentry.

use kernel_abi::Errno;

use super::fs_util::user_path;
use super::SyscallResult;
use crate::fs::{self, Path};
use crate::process;

pub fn sys_chdir(path: u64) -> SyscallResult {
    let path = user_path(path)?;
    let dir = fs::resolve(&fs::cwd(), &path, true)?;
    enter(dir)
}

pub fn sys_fchdir(fd: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    enter(file.path.clone().ok_or(Errno::ENOTDIR)?)
}

/// A directory the caller may search becomes its working directory.
fn enter(dir: Path) -> SyscallResult {
    let attr = dir.attr()?;
    if !attr.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    fs::access::check(&attr, &process::current_creds(), kernel_perm::MAY_EXEC)?;
    process::with_current(|p| p.cwd = Some(dir))?;
    Ok(0)
}
