//! openat(2).

use kernel_abi::Errno;

use super::args::{user_path, DirFd, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs::file::*;
use crate::fs::{self, Data, Inode, S_IFLNK, S_IFREG};

/// `flags` are all of the `int`: Linux ignores bits it does not know
/// (O_LARGEFILE is always on here). `mode` is used only with O_CREAT.
pub fn sys_openat(dirfd: DirFd, path: UserCStr, flags: u32, mode: u32) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let follow = flags & O_NOFOLLOW == 0;
    let writes = flags & O_ACCMODE != O_RDONLY || flags & (O_CREAT | O_TRUNC) != 0;
    let creds = current().creds();
    let node = match fs::resolve(&base, &path, follow) {
        Ok(node) => {
            if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
                return Err(Errno::EEXIST);
            }
            check_open(&node, &creds, flags)?;
            node
        }
        Err(Errno::ENOENT) if flags & O_CREAT != 0 => {
            let (dir, name) = fs::resolve_parent(&base, &path)?;
            if dir.fs == fs::SYS_FS {
                return Err(Errno::EACCES);
            }
            fs::access::may_create(&dir, &creds)?;
            fs::check_space(0)?;
            let umask = current().umask()?;
            let node = Inode::new(dir.fs, S_IFREG | (mode & 0o7777 & !umask), Data::File(alloc::vec::Vec::new()));
            fs::access::set_owner(&node, &dir, &creds);
            fs::insert(&dir, name, node.clone())?;
            // The creator may open what it just made, whatever its mode.
            node
        }
        Err(e) => return Err(e),
    };
    // sysfs is read-only (its one writable kind of file, attributes with a
    // store method, does not exist here yet).
    if writes && node.fs == fs::SYS_FS && !node.is_dir() {
        return Err(Errno::EACCES);
    }
    let ftype = node.file_type();
    if ftype == S_IFLNK {
        return Err(Errno::ELOOP);
    }
    if flags & O_DIRECTORY != 0 && !node.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if node.is_dir() && flags & O_ACCMODE != O_RDONLY {
        return Err(Errno::EISDIR);
    }
    if flags & O_TRUNC != 0 && flags & O_ACCMODE != O_RDONLY {
        if let Data::File(v) = &mut *node.data.lock() {
            // Gives the heap back, not just the length.
            *v = alloc::vec::Vec::new();
        }
    }
    let abs = kernel_path::join(&base, &path);
    let node = crate::tty::open_node(node)?;
    let file = OpenFile::new(node, flags & !(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC), abs);
    current().with(|p| p.fds.insert(file, flags & O_CLOEXEC != 0))
}

/// The permission an existing file needs for `flags`: read and/or write
/// by the access mode, write for O_TRUNC (a symlink left unfollowed fails
/// later with ELOOP).
fn check_open(node: &Inode, creds: &kernel_perm::Creds, flags: u32) -> Result<(), Errno> {
    if node.file_type() == S_IFLNK {
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
    fs::access::check(node, creds, want)
}
