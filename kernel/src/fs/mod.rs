//! The VFS: one tree of in-memory inodes (tmpfs root unpacked from the
//! initramfs), a mount table, path resolution with symlinks, and the
//! operations the syscalls need. Errors are `Errno`s.

pub mod access;
pub mod dev;
pub mod devpts;
pub mod file;
pub mod inode;
pub mod lock;
mod mount;
mod mount_options;
pub mod pipe;
pub mod procfs;

use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_perm::Creds;
use spin::Once;

pub use inode::{Data, Inode, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG};
pub use mount::{mount, mounts_text, umount};

/// `st_dev` numbers: the root tmpfs, devtmpfs, procfs (procfs.rs), then
/// every tmpfs mount.
pub const ROOT_FS: u32 = 1;
pub const DEV_FS: u32 = 2;
pub const SYS_FS: u32 = 5;

static ROOT: Once<Arc<Inode>> = Once::new();
static DEVTMPFS: Once<Arc<Inode>> = Once::new();

pub fn root() -> Arc<Inode> {
    ROOT.get().expect("VFS used before fs::init").clone()
}

/// Unpacks the initramfs into a fresh tmpfs root; builds devtmpfs.
pub fn init(archive: Option<&[u8]>) -> Result<usize, Errno> {
    let root = Inode::new_dir(ROOT_FS, 0o755);
    ROOT.call_once(|| root.clone());
    let mut count = 0;
    if let Some(archive) = archive {
        for e in kernel_cpio::entries(archive) {
            let e = e.map_err(|_| Errno::EINVAL)?;
            if e.name.is_empty() {
                continue;
            }
            unpack(&root, &e)?;
            count += 1;
        }
    }
    let dev = Inode::new_dir(DEV_FS, 0o755);
    for (name, major, minor, perm) in [
        ("console", 5, 1, 0o600),
        ("tty", 5, 0, 0o666),
        ("ttyAMA0", 204, 64, 0o620),
        ("ptmx", 5, 2, 0o666),
        ("null", 1, 3, 0o666),
        ("zero", 1, 5, 0o666),
        ("random", 1, 8, 0o666),
        ("urandom", 1, 9, 0o666),
    ] {
        let node = device_node(DEV_FS, major, minor, perm);
        insert(&dev, name, node)?;
    }
    insert(&dev, "pts", Inode::new_dir(DEV_FS, 0o755))?;
    DEVTMPFS.call_once(|| dev);
    Ok(count)
}

fn device_node(fs: u32, major: u32, minor: u32, perm: u32) -> Arc<Inode> {
    let data = match dev::Device::from_numbers(major, minor) {
        Some(d) => Data::Device(d),
        // Unknown device numbers: a node that fails with ENXIO on open.
        None => Data::File(Vec::new()),
    };
    let node = Inode::new(fs, S_IFCHR | (perm & 0o7777), data);
    node.meta.lock().rdev = (major, minor);
    node
}

fn unpack(root: &Arc<Inode>, e: &kernel_cpio::Entry) -> Result<(), Errno> {
    let (parent, name) = match e.name.rsplit_once('/') {
        Some((p, n)) => (resolve_from(root, p, true)?, n),
        None => (root.clone(), e.name),
    };
    let perm = e.permissions();
    let node = match e.file_type() {
        kernel_cpio::S_IFDIR => {
            if let Some(existing) = parent.child(name) {
                existing.meta.lock().mode = S_IFDIR | perm;
                return Ok(());
            }
            Inode::new_dir(ROOT_FS, perm)
        }
        kernel_cpio::S_IFREG => Inode::new(ROOT_FS, S_IFREG | perm, Data::File(e.data.to_vec())),
        kernel_cpio::S_IFLNK => {
            let target = core::str::from_utf8(e.data).map_err(|_| Errno::EINVAL)?;
            Inode::new(ROOT_FS, S_IFLNK | 0o777, Data::Symlink(target.into()))
        }
        kernel_cpio::S_IFCHR => device_node(ROOT_FS, e.rdev_major, e.rdev_minor, perm),
        _ => return Ok(()),
    };
    {
        let mut m = node.meta.lock();
        m.uid = e.uid;
        m.gid = e.gid;
    }
    insert(&parent, name, node)
}

/// Adds `name` to directory `dir`; EEXIST if taken.
/// Heap the in-memory filesystems leave free beyond the heap's own reserve:
/// room for a shell to fork and exec `rm` once tmpfs is full.
pub const FS_SLACK: usize = 2 << 20;

/// ENOSPC unless the filesystems may take `bytes` more of the kernel heap
/// (file data and inodes live there; like Linux's tmpfs size limit, this
/// keeps a full tmpfs from starving everything else).
pub fn check_space(bytes: usize) -> Result<(), Errno> {
    if crate::mm::heap::has_room(bytes.saturating_add(FS_SLACK)) {
        Ok(())
    } else {
        Err(Errno::ENOSPC)
    }
}

pub fn insert(dir: &Arc<Inode>, name: &str, node: Arc<Inode>) -> Result<(), Errno> {
    let is_dir = node.is_dir();
    match &mut *dir.data.lock() {
        Data::Dir(entries) => {
            if entries.contains_key(name) {
                return Err(Errno::EEXIST);
            }
            entries.insert(name.into(), node);
        }
        _ => return Err(Errno::ENOTDIR),
    }
    if is_dir {
        dir.meta.lock().nlink += 1;
    }
    dir.touch();
    Ok(())
}

const MAX_SYMLINKS: u32 = 40;

fn path_err(e: kernel_path::Error) -> Errno {
    match e {
        kernel_path::Error::Empty => Errno::ENOENT,
        kernel_path::Error::TooLong => Errno::ENAMETOOLONG,
    }
}

/// Walks `comps` from the directory chain `stack`; returns the chain of the
/// result. `creds`: whose search permission each directory needs (None:
/// the kernel's own lookups, unchecked).
fn walk(
    stack: &mut Vec<Arc<Inode>>,
    comps: &[&str],
    follow_last: bool,
    links: &mut u32,
    creds: Option<&Creds>,
) -> Result<(), Errno> {
    for (i, name) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        if let (Some(c), Some(dir)) = (creds, stack.last()) {
            if dir.is_dir() {
                access::check(dir, c, kernel_perm::MAY_EXEC)?;
            }
        }
        if *name == ".." {
            if stack.len() > 1 {
                stack.pop();
            }
            continue;
        }
        let dir = stack.last().expect("the chain starts at the root").clone();
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let child = mount::crossed(dir.child(name).ok_or(Errno::ENOENT)?);
        if child.file_type() == S_IFLNK && (!last || follow_last) {
            *links += 1;
            if *links > MAX_SYMLINKS {
                return Err(Errno::ELOOP);
            }
            let target = match &*child.data.lock() {
                Data::Symlink(t) => t.clone(),
                _ => return Err(Errno::EIO),
            };
            if target.starts_with('/') {
                stack.truncate(1);
            }
            let tcomps = kernel_path::components(&target).map_err(path_err)?;
            walk(stack, &tcomps, true, links, creds)?;
        } else {
            stack.push(child);
        }
    }
    Ok(())
}

fn resolve_from(start: &Arc<Inode>, path: &str, follow: bool) -> Result<Arc<Inode>, Errno> {
    let mut stack = alloc::vec![start.clone()];
    let comps = kernel_path::components(path).map_err(path_err)?;
    walk(&mut stack, &comps, follow, &mut 0, None)?;
    Ok(stack.pop().expect("non-empty chain"))
}

/// The chain from the root to `cwd` (absolute, normalised).
fn cwd_chain(cwd: &str) -> Result<Vec<Arc<Inode>>, Errno> {
    let mut stack = alloc::vec![root()];
    let comps = kernel_path::components(cwd).map_err(path_err)?;
    // The working directory is already reached: no search checks on the way.
    walk(&mut stack, &comps, true, &mut 0, None)?;
    Ok(stack)
}

/// Resolves `path` relative to `cwd` for the current process (search
/// permission on every directory walked); `follow` decides for a final symlink.
pub fn resolve(cwd: &str, path: &str, follow: bool) -> Result<Arc<Inode>, Errno> {
    resolve_as(cwd, path, follow, &crate::process::current_creds())
}

/// `resolve` with the search checks made for `creds` (access(2) walks with
/// the real ids).
pub fn resolve_as(cwd: &str, path: &str, follow: bool, creds: &Creds) -> Result<Arc<Inode>, Errno> {
    // A trailing slash names the directory a final symlink points to (POSIX).
    let follow = follow || path.ends_with('/');
    let comps = kernel_path::components(path).map_err(path_err)?;
    let mut stack = if path.starts_with('/') { alloc::vec![root()] } else { cwd_chain(cwd)? };
    walk(&mut stack, &comps, follow, &mut 0, Some(creds))?;
    let node = stack.pop().expect("non-empty chain");
    if path.ends_with('/') && !node.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(node)
}

/// The directory that would hold `path`'s last component, and that name.
pub fn resolve_parent<'p>(cwd: &str, path: &'p str) -> Result<(Arc<Inode>, &'p str), Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (parent, name) = kernel_path::split_parent(path).ok_or(Errno::EEXIST)?;
    if name.len() > kernel_path::NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let dir = resolve(cwd, parent, true)?;
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok((dir, name))
}

/// Removes `name` from `dir`. `want_dir`: rmdir semantics (ENOTDIR,
/// ENOTEMPTY); otherwise unlink (EISDIR).
pub fn remove(dir: &Arc<Inode>, name: &str, want_dir: bool) -> Result<(), Errno> {
    let node = dir.child(name).ok_or(Errno::ENOENT)?;
    if mount::is_mount_point(&node) {
        return Err(Errno::EBUSY);
    }
    match (want_dir, node.is_dir()) {
        (true, false) => return Err(Errno::ENOTDIR),
        (false, true) => return Err(Errno::EISDIR),
        (true, true) => {
            if let Data::Dir(e) = &*node.data.lock() {
                if !e.is_empty() {
                    return Err(Errno::ENOTEMPTY);
                }
            }
        }
        _ => {}
    }
    if let Data::Dir(entries) = &mut *dir.data.lock() {
        entries.remove(name);
    }
    let mut m = node.meta.lock();
    m.nlink = m.nlink.saturating_sub(1);
    drop(m);
    if node.is_dir() {
        let mut d = dir.meta.lock();
        d.nlink = d.nlink.saturating_sub(1);
    }
    dir.touch();
    Ok(())
}

/// rename(2) within the tree (both directories already resolved).
pub fn rename(old_dir: &Arc<Inode>, old: &str, new_dir: &Arc<Inode>, new: &str) -> Result<(), Errno> {
    if old_dir.fs != new_dir.fs {
        return Err(Errno::EXDEV);
    }
    let node = old_dir.child(old).ok_or(Errno::ENOENT)?;
    if let Some(existing) = new_dir.child(new) {
        if Arc::ptr_eq(&existing, &node) {
            return Ok(());
        }
        remove(new_dir, new, existing.is_dir())?;
    }
    if let Data::Dir(entries) = &mut *old_dir.data.lock() {
        entries.remove(old);
    }
    if node.is_dir() {
        let mut d = old_dir.meta.lock();
        d.nlink = d.nlink.saturating_sub(1);
    }
    insert(new_dir, new, node)
}

/// Encodes `(major, minor)` as `st_rdev` (Linux `new_encode_dev`).
pub fn encode_dev(major: u32, minor: u32) -> u64 {
    ((minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)) as u64
}

/// `struct stat` of arm64 (asm-generic layout, 128 bytes).
pub fn stat_bytes(node: &Inode) -> [u8; 128] {
    let m = *node.meta.lock();
    let size = node.size();
    let mut b = [0u8; 128];
    let mut put = |at: usize, v: u64, n: usize| b[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
    put(0, node.fs as u64, 8);
    put(8, node.ino, 8);
    put(16, m.mode as u64, 4);
    put(20, m.nlink as u64, 4);
    put(24, m.uid as u64, 4);
    put(28, m.gid as u64, 4);
    put(32, encode_dev(m.rdev.0, m.rdev.1), 8);
    put(48, size, 8);
    put(56, 4096, 4);
    put(64, size.div_ceil(512), 8);
    let (sec, nsec) = (m.mtime_ns / 1_000_000_000, m.mtime_ns % 1_000_000_000);
    for at in [72, 88, 104] {
        put(at, sec, 8);
        put(at + 8, nsec, 8);
    }
    b
}
