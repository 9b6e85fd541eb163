//! truncate(2) and ftruncate(2): a regular file's size, shrinking (its
//! pages freed) or growing with a hole. EISDIR for a directory, EINVAL
//! for other kinds and negative lengths, EACCES without write permission
//! (truncate), EINVAL unless open for writing (ftruncate), EFBIG past the
//! largest file size.

use kernel_abi::Errno;

use super::args::{user_path, Fd, UserCStr};
use super::current::current;
use super::SyscallResult;
use crate::fs::file::Kind;
use crate::fs::{self, Inode, SetAttr, S_IFDIR, S_IFMT, S_IFREG};

pub fn sys_truncate(path: UserCStr, length: i64) -> SyscallResult {
    let path = user_path(path)?;
    let file = fs::resolve(&current().cwd(), &path, true)?;
    let attr = file.attr()?;
    if attr.mode & S_IFMT == S_IFDIR {
        return Err(Errno::EISDIR);
    }
    file.mount.writable()?;
    fs::access::check(&attr, &current().creds(), kernel_perm::MAY_WRITE)?;
    set_size(&**file.inode(), length)
}

pub fn sys_ftruncate(fd: Fd, length: i64) -> SyscallResult {
    let file = current().file(fd)?;
    if !file.writable() || !matches!(file.kind, Kind::Inode) {
        return Err(Errno::EINVAL);
    }
    set_size(&*file.node, length)
}

fn set_size(node: &dyn Inode, length: i64) -> SyscallResult {
    let length = u64::try_from(length).map_err(|_| Errno::EINVAL)?;
    let attr = node.getattr()?;
    if attr.mode & S_IFMT != S_IFREG || attr.dev == fs::SYS_FS || attr.dev == fs::procfs::PROC_FS {
        return Err(Errno::EINVAL);
    }
    node.setattr(&SetAttr { size: Some(length), ..Default::default() })?;
    // Pages of shared mappings beyond the new end go (SIGBUS there).
    fs::filemap::resized(node, length);
    Ok(0)
}
