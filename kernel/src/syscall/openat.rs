//! openat(2).

use kernel_abi::Errno;

use super::args::{user_path, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs::file::*;
use crate::fs::{self, Attr, SetAttr, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};

/// `flags` are all of the `int`: Linux ignores bits it does not know
/// (O_LARGEFILE is always on here). `mode` is used only with O_CREAT.
pub fn sys_openat(dirfd: DirFd, path: UserCStr, flags: u32, mode: u32) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let follow = flags & O_NOFOLLOW == 0;
    let writes = flags & O_ACCMODE != O_RDONLY || flags & (O_CREAT | O_TRUNC) != 0;
    let creds = current().creds();
    let (path, created) = match fs::resolve(&base, &path, follow) {
        Ok(found) => {
            if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
                return Err(Errno::EEXIST);
            }
            check_open(&found.attr()?, &creds, flags)?;
            (found, false)
        }
        Err(Errno::ENOENT) if flags & O_CREAT != 0 => {
            let parent = fs::resolve_parent(&base, &path)?;
            if parent.dir.attr()?.dev == fs::SYS_FS {
                return Err(Errno::EACCES);
            }
            fs::check_space(0)?;
            let umask = current().umask()?;
            // The creator may open what it just made, whatever its mode.
            (fs::ns().create(&parent, S_IFREG | (mode & 0o7777 & !umask), (0, 0), &creds)?, true)
        }
        Err(e) => return Err(e),
    };
    let attr = path.attr()?;
    // sysfs is read-only (its one writable kind of file, attributes with a
    // store method, does not exist here yet).
    if writes && attr.dev == fs::SYS_FS && !attr.is_dir() {
        return Err(Errno::EACCES);
    }
    if attr.mode & S_IFMT == S_IFLNK {
        return Err(Errno::ELOOP);
    }
    if flags & O_DIRECTORY != 0 && !attr.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if attr.mode & S_IFMT == S_IFDIR && flags & O_ACCMODE != O_RDONLY {
        return Err(Errno::EISDIR);
    }
    // O_TRUNC empties a regular file (and gives its pages back); devices
    // and the like ignore it, as on Linux.
    if flags & O_TRUNC != 0 && flags & O_ACCMODE != O_RDONLY && !created && attr.mode & S_IFMT == S_IFREG {
        path.inode().setattr(&SetAttr { size: Some(0), ..Default::default() })?;
    }
    let file = OpenFile::open(path, flags & !(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC))?;
    current().with(|p| p.fds.insert(file, flags & O_CLOEXEC != 0))
}

/// The permission an existing file needs for `flags`: read and/or write
/// by the access mode, write for O_TRUNC (a symlink left unfollowed fails
/// later with ELOOP).
fn check_open(attr: &Attr, creds: &kernel_perm::Creds, flags: u32) -> Result<(), Errno> {
    if attr.mode & S_IFMT == S_IFLNK {
        return Ok(());
    }
    let mut want = match flags & O_ACCMODE {
        O_RDONLY => kernel_perm::MAY_READ,
        O_WRONLY => kernel_perm::MAY_WRITE,
        _ => kernel_perm::MAY_READ | kernel_perm::MAY_WRITE,
    };
    if flags & O_TRUNC != 0 {
        want |= kernel_perm::MAY_WRITE;
    }
    fs::access::check(attr, creds, want)
}
