//! openat(2).

use kernel_abi::Errno;

use super::args::{user_path, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs::file::*;
use crate::fs::{self, Attr, Path, SetAttr, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};

/// arm64 (asm-generic) `__O_TMPFILE`.
const O_TMPFILE_BIT: u32 = 0o20000000;

/// `flags` are all of the `int`: Linux ignores bits it does not know
/// (O_LARGEFILE is always on here). `mode` is used only with O_CREAT.
pub fn sys_openat(dirfd: DirFd, path: UserCStr, flags: u32, mode: u32) -> SyscallResult {
    // Not implemented, so refused rather than opened as a directory:
    // O_TMPFILE (EOPNOTSUPP, Linux's answer for a filesystem without it).
    // O_PATH is not refused (musl's fchmodat needs it) but is not Linux's
    // either: the file opens as with O_RDONLY (SYSCALLS.md says so).
    if flags & O_TMPFILE_BIT != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
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
            let attr = found.attr()?;
            if flags & O_CREAT != 0 && attr.is_dir() {
                return Err(Errno::EISDIR);
            }
            check_open(&attr, &creds, flags)?;
            (found, false)
        }
        Err(Errno::ENOENT) if flags & O_CREAT != 0 => {
            let umask = current().umask()?;
            (create(&base, &path, follow && flags & O_EXCL == 0, mode & 0o7777 & !umask, &creds)?, true)
        }
        Err(e) => return Err(e),
    };
    let attr = path.attr()?;
    // A read-only mount: no writing its files or directories (devices
    // are not the filesystem's, so they may still be written).
    if writes && !created && matches!(attr.mode & S_IFMT, S_IFREG | S_IFDIR) {
        path.mount.writable()?;
    }
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
    // O_TRUNC empties a regular file (and gives its pages back), with
    // O_RDONLY too as on Linux (write permission was checked); devices and
    // the like ignore it.
    if flags & O_TRUNC != 0 && !created && attr.mode & S_IFMT == S_IFREG {
        path.inode().setattr(&SetAttr { size: Some(0), ..Default::default() })?;
        fs::filemap::resized(&**path.inode(), 0);
    }
    let file = OpenFile::open(path, flags & !(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC))?;
    current().with(|p| p.fds.insert(file, flags & O_CLOEXEC != 0))
}

/// O_CREAT of a name that does not exist: a regular file `perm` in its
/// directory. A dangling symlink in the last place is followed (unless
/// O_EXCL or O_NOFOLLOW) and its target made, as on Linux.
fn create(base: &Path, path: &str, follow: bool, perm: u32, creds: &kernel_perm::Creds) -> Result<Path, Errno> {
    let mut parent = fs::resolve_parent(base, path)?;
    for _ in 0..kernel_vfs::MAX_SYMLINKS {
        let kernel_vfs::Last::Name(name) = &parent.last else { break };
        let target = match parent.dir.dentry.child(name) {
            Ok(link) if follow && link.inode().getattr()?.mode & S_IFMT == S_IFLNK => link.inode().readlink()?,
            _ => {
                if parent.dir.attr()?.dev == fs::SYS_FS {
                    return Err(Errno::EACCES);
                }
                fs::check_space(0)?;
                // The creator may open what it just made, whatever its mode.
                return fs::ns().create(&parent, S_IFREG | perm, (0, 0), creds);
            }
        };
        parent = fs::resolve_parent(&parent.dir, &target)?;
    }
    Err(Errno::ELOOP)
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
