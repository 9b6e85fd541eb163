//! What the file syscalls share once their arguments are typed: the
//! directory a `dirfd` names, the inode a `*at` call names, scratch buffers.

use alloc::sync::Arc;

use kernel_abi::Errno;

use super::args::{user_path, AtFlags, DirFd, UserCStr};
use super::current::current;
use crate::fs::{self, Inode, Path};

/// A zeroed scratch buffer for one call; ENOMEM (not a kernel panic) when
/// the heap has no block that large, e.g. when it is fragmented.
pub fn scratch(len: usize) -> Result<alloc::vec::Vec<u8>, Errno> {
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    v.resize(len, 0);
    Ok(v)
}

/// The directory a relative `path` starts from: the working directory for
/// AT_FDCWD, else the directory `dirfd` is open on (ENOTDIR if it is not
/// one). Both are dentries, valid whatever was renamed since.
pub fn base_dir(dirfd: DirFd, path: &str) -> Result<Path, Errno> {
    let fd = match dirfd {
        _ if path.starts_with('/') => return Ok(current().cwd()),
        DirFd::Cwd => return Ok(current().cwd()),
        DirFd::Fd(fd) => fd,
    };
    match &current().file(fd)?.path {
        Some(p) if p.is_dir() => Ok(p.clone()),
        _ => Err(Errno::ENOTDIR),
    }
}

/// The file a `*at` call with `flags` names: `path` from `dirfd`, or with
/// AT_EMPTY_PATH and an empty path the file `dirfd` is open on (the
/// working directory for AT_FDCWD; None for a file with no path, such as
/// a pipe); AT_SYMLINK_NOFOLLOW leaves a final symlink.
pub fn at_path(dirfd: DirFd, path: UserCStr, flags: AtFlags) -> Result<AtTarget, Errno> {
    let path = user_path(path)?;
    if path.is_empty() {
        if !flags.contains(AtFlags::EMPTY_PATH) {
            return Err(Errno::ENOENT);
        }
        return match dirfd {
            DirFd::Cwd => Ok(AtTarget::Path(current().cwd())),
            DirFd::Fd(fd) => {
                let file = current().file(fd)?;
                Ok(match &file.path {
                    Some(p) => AtTarget::Path(p.clone()),
                    None => AtTarget::Inode(file.node.clone()),
                })
            }
        };
    }
    let base = base_dir(dirfd, &path)?;
    Ok(AtTarget::Path(fs::resolve(&base, &path, !flags.contains(AtFlags::SYMLINK_NOFOLLOW))?))
}

/// What `at_path` names.
pub enum AtTarget {
    Path(Path),
    /// An open file outside the tree (a pipe).
    Inode(Arc<dyn Inode>),
}

impl AtTarget {
    /// EROFS when it is on a read-only mount (attribute changes check).
    pub fn writable(&self) -> Result<(), Errno> {
        match self {
            AtTarget::Path(p) => p.mount.writable(),
            AtTarget::Inode(_) => Ok(()),
        }
    }

    /// The target of an open file: its path, or its inode if it has none.
    pub fn of_file(file: &crate::fs::file::OpenFile) -> AtTarget {
        match &file.path {
            Some(p) => AtTarget::Path(p.clone()),
            None => AtTarget::Inode(file.node.clone()),
        }
    }

    pub fn inode(&self) -> Arc<dyn Inode> {
        match self {
            AtTarget::Path(p) => p.inode().clone(),
            AtTarget::Inode(i) => i.clone(),
        }
    }
}

/// The inode a `*at` call with `flags` names (see `at_path`).
pub fn at_node(dirfd: DirFd, path: UserCStr, flags: AtFlags) -> Result<Arc<dyn Inode>, Errno> {
    Ok(at_path(dirfd, path, flags)?.inode())
}
