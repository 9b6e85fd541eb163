//! truncate(2) and ftruncate(2): a regular file's size, shrinking (its
//! pages freed) or growing with a hole. EISDIR for a directory, EINVAL
//! for other kinds and negative lengths, EACCES without write permission
//! (truncate), EINVAL unless open for writing (ftruncate), EFBIG past the
//! largest file size.

use kernel_abi::Errno;

use super::fs_util::user_path;
use super::SyscallResult;
use crate::fs::file::Kind;
use crate::fs::{self, Inode, SetAttr, S_IFDIR, S_IFMT, S_IFREG};
use crate::process;

pub fn sys_truncate(path: u64, length: u64) -> SyscallResult {
    let path = user_path(path)?;
    let file = fs::resolve(&fs::cwd(), &path, true)?;
    let attr = file.attr()?;
    if attr.mode & S_IFMT == S_IFDIR {
        return Err(Errno::EISDIR);
    }
    fs::access::check(&attr, &process::current_creds(), kernel_perm::MAY_WRITE)?;
    set_size(&**file.inode(), length)
}

pub fn sys_ftruncate(fd: u64, length: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    if !file.writable() || !matches!(file.kind, Kind::Inode) {
        return Err(Errno::EINVAL);
    }
    set_size(&*file.node, length)
}

fn set_size(node: &dyn Inode, length: u64) -> SyscallResult {
    if (length as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    let attr = node.getattr()?;
    if attr.mode & S_IFMT != S_IFREG || attr.dev == fs::SYS_FS || attr.dev == fs::procfs::PROC_FS {
        return Err(Errno::EINVAL);
    }
    node.setattr(&SetAttr { size: Some(length), ..Default::default() })?;
    Ok(0)
}
