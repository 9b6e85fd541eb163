//! What the file syscalls share once their arguments are typed: the
//! directory a `dirfd` names, the inode a `*at` call names, scratch buffers.

use alloc::string::String;
use alloc::sync::Arc;

use kernel_abi::Errno;

use super::args::{user_path, AtFlags, DirFd, UserCStr};
use super::current::current;
use crate::fs::Inode;

/// A zeroed scratch buffer for one call; ENOMEM (not a kernel panic) when
/// the heap has no block that large, e.g. when it is fragmented.
pub fn scratch(len: usize) -> Result<alloc::vec::Vec<u8>, Errno> {
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    v.resize(len, 0);
    Ok(v)
}

/// The directory a relative `path` starts from: the cwd for AT_FDCWD, else
/// the (absolute) path `dirfd` was opened with.
pub fn base_dir(dirfd: DirFd, path: &str) -> Result<String, Errno> {
    let fd = match dirfd {
        _ if path.starts_with('/') => return current().cwd(),
        DirFd::Cwd => return current().cwd(),
        DirFd::Fd(fd) => fd,
    };
    let file = current().file(fd)?;
    if !file.node.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(file.path.clone())
}

/// The inode a `*at` call with `flags` names: `path` from `dirfd`, or with
/// AT_EMPTY_PATH and an empty path the file `dirfd` itself (the working
/// directory for AT_FDCWD); AT_SYMLINK_NOFOLLOW leaves a final symlink.
pub fn at_node(dirfd: DirFd, path: UserCStr, flags: AtFlags) -> Result<Arc<Inode>, Errno> {
    let path = user_path(path)?;
    if path.is_empty() {
        if !flags.contains(AtFlags::EMPTY_PATH) {
            return Err(Errno::ENOENT);
        }
        return match dirfd {
            DirFd::Cwd => crate::fs::resolve(&current().cwd()?, ".", true),
            DirFd::Fd(fd) => Ok(current().file(fd)?.node.clone()),
        };
    }
    let base = base_dir(dirfd, &path)?;
    crate::fs::resolve(&base, &path, !flags.contains(AtFlags::SYMLINK_NOFOLLOW))
}
