//! chdir(2) and fchdir(2): the working directory becomes a dentry.

use kernel_abi::Errno;

use super::args::{user_path, Fd, UserCStr};
use super::current::current;
use super::SyscallResult;
use crate::fs::{self, Path};

pub fn sys_chdir(path: UserCStr) -> SyscallResult {
    let path = user_path(path)?;
    enter(fs::resolve(&current().cwd(), &path, true)?)
}

pub fn sys_fchdir(fd: Fd) -> SyscallResult {
    enter(current().file(fd)?.path.clone().ok_or(Errno::ENOTDIR)?)
}

/// A directory the caller may search becomes its working directory.
fn enter(dir: Path) -> SyscallResult {
    let attr = dir.attr()?;
    if !attr.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    fs::access::check(&attr, &current().creds(), kernel_perm::MAY_EXEC)?;
    current().with(|p| {
        p.cwd = Some(dir);
        Ok(0)
    })
}
