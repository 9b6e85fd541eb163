//! readlinkat(2); the link's atime moves as a read's would (relatime).

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
    let link = fs::resolve(&base, &path, false)?;
    let target = link.inode().readlink()?;
    // Reading a symlink is an access (Linux's touch_atime in vfs_readlink).
    fs::file::touch_atime(&link.mount, &**link.inode());
    let n = target.len().min(buf.len());
    buf.write_from(&target.as_bytes()[..n])?;
    Ok(n)
}
