//! Argument decoding shared by the file syscalls: user path strings and
//! `dirfd` bases.

use alloc::string::String;
use alloc::sync::Arc;

use kernel_abi::Errno;

use crate::fs::{self, Inode, Path};
use crate::mm::usercopy::copy_str_from_user;
use crate::process;

pub const AT_FDCWD: i64 = -100;
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
pub const AT_REMOVEDIR: u64 = 0x200;
pub const AT_EMPTY_PATH: u64 = 0x1000;

/// A zeroed scratch buffer for one call; ENOMEM (not a kernel panic) when
/// the heap has no block that large, e.g. when it is fragmented.
pub fn scratch(len: usize) -> Result<alloc::vec::Vec<u8>, Errno> {
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    v.resize(len, 0);
    Ok(v)
}

/// A NUL-terminated path from user memory.
pub fn user_path(addr: u64) -> Result<String, Errno> {
    let mut buf = alloc::vec![0u8; kernel_path::PATH_MAX];
    let n = copy_str_from_user(&mut buf, addr)?;
    buf.truncate(n);
    String::from_utf8(buf).map_err(|_| Errno::EINVAL)
}

/// The directory a relative `path` starts from: the working directory for
/// AT_FDCWD, else the directory `dirfd` is open on (ENOTDIR if it is not
/// one). Both are dentries, valid whatever was renamed since.
pub fn base_dir(dirfd: u64, path: &str) -> Result<Path, Errno> {
    if path.starts_with('/') || dirfd as i64 as i32 == AT_FDCWD as i32 {
        return Ok(fs::cwd());
    }
    let file = process::with_current(|p| p.fds.get(dirfd))??;
    match &file.path {
        Some(p) if p.is_dir() => Ok(p.clone()),
        _ => Err(Errno::ENOTDIR),
    }
}

/// The inode a `*at` call with `flags` names: `path` from `dirfd`, or with
/// AT_EMPTY_PATH and an empty path the file `dirfd` itself (the working
/// directory for AT_FDCWD); AT_SYMLINK_NOFOLLOW leaves a final symlink.
pub fn at_node(dirfd: u64, path: u64, flags: u64) -> Result<Arc<dyn Inode>, Errno> {
    let path = user_path(path)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if dirfd as i64 as i32 == AT_FDCWD as i32 {
            return Ok(fs::cwd().inode().clone());
        }
        return Ok(process::with_current(|p| p.fds.get(dirfd))??.node.clone());
    }
    let base = base_dir(dirfd, &path)?;
    Ok(fs::resolve(&base, &path, flags & AT_SYMLINK_NOFOLLOW == 0)?.inode().clone())
}
