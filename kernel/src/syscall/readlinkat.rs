//! readlinkat(2).

use kernel_abi::Errno;

use super::args::{user_path, DirFd, UserCStr, UserSlice};
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs::{self, Data};

pub fn sys_readlinkat(dirfd: DirFd, path: UserCStr, buf: UserSlice) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let node = fs::resolve(&base, &path, false)?;
    let target = match &*node.data.lock() {
        Data::Symlink(t) => t.clone(),
        _ => return Err(Errno::EINVAL),
    };
    let n = target.len().min(buf.len());
    buf.write_from(&target.as_bytes()[..n])?;
    Ok(n)
}
