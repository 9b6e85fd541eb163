//! readlinkat(2).

use super::args::{user_path, DirFd, UserCStr, UserSlice};
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;
use kernel_abi::Errno;

/// `bufsiz` is Linux's `int`: EINVAL when not positive, before the lookup.
pub fn sys_readlinkat(dirfd: DirFd, path: UserCStr, buf: UserSlice, bufsiz: i32) -> SyscallResult {
    if bufsiz <= 0 {
        return Err(Errno::EINVAL);
    }
    let buf = UserSlice::new(buf.addr(), bufsiz as usize);
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let target = fs::resolve(&base, &path, false)?.inode().readlink()?;
    let n = target.len().min(buf.len());
    buf.write_from(&target.as_bytes()[..n])?;
    Ok(n)
}
