//! The kernel's side of the VFS. The filesystem core (inode traits,
//! dentries, mounts, path walks, the namespace rules, tmpfs) is the
//! host-tested `kernel_vfs`; here are the namespace instance, tmpfs's
//! frames (`pages.rs`), the pseudo filesystems (procfs, devtmpfs, devpts,
//! sysfs), open files and descriptors, pipes and record locks.

pub mod anon;
pub mod dev;
pub mod devpts;
pub mod ext2;
pub mod file;
pub mod filemap;
pub mod lock;
mod mount;
mod mount_options;
pub mod pages;
pub mod pipe;
pub mod procfs;

use alloc::string::String;
use alloc::sync::Arc;

use kernel_abi::Errno;
use kernel_perm::Creds;
use kernel_vfs::{Namespace, Owner, Superblock};
use spin::Once;

pub use kernel_vfs::{
    access, Attr, FileType, Inode, Parent, Path, SetAttr, Time, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT,
    S_IFREG, S_IFSOCK,
};
pub use mount::{mount, mounts_text, umount, MountFlags};

/// tmpfs with its pages in frames.
pub type Tmpfs = kernel_vfs::Tmpfs<pages::FramePages>;

/// `st_dev` numbers: the root tmpfs, devtmpfs, procfs (procfs.rs), pipes
/// (pipe.rs), sysfs, devpts (devpts.rs), then every tmpfs mount.
pub const ROOT_FS: u64 = 1;
pub const DEV_FS: u64 = 2;
pub const SYS_FS: u64 = 5;

static NS: Once<Namespace> = Once::new();
static DEVTMPFS: Once<Arc<Superblock>> = Once::new();

/// The mount namespace (one: no chroot or unshare).
pub fn ns() -> &'static Namespace {
    NS.get().expect("VFS used before fs::init")
}

pub fn root() -> Path {
    ns().root()
}

/// The clock that stamps inode times.
pub fn clock() -> Time {
    Time::from_ns(crate::arch::timer::realtime_ns())
}

/// A fresh tmpfs with `st_dev` `dev`, its root directory `perm` and `owner`.
pub fn new_tmpfs(dev: u64, perm: u32, owner: Owner) -> Arc<Superblock> {
    Superblock::new(Tmpfs::new(dev, pages::FramePages, clock, perm, owner))
}

const ROOT_OWNER: Owner = Owner { uid: 0, gid: 0 };

/// Unpacks the initramfs into a fresh tmpfs root; builds devtmpfs.
pub fn init(archive: Option<&[u8]>) -> Result<usize, Errno> {
    NS.call_once(|| Namespace::new(new_tmpfs(ROOT_FS, 0o755, ROOT_OWNER), "rootfs", "rootfs"));
    let mut count = 0;
    if let Some(archive) = archive {
        for e in kernel_cpio::entries(archive) {
            let e = e.map_err(|_| Errno::EINVAL)?;
            if e.name.is_empty() || e.name == "." {
                continue;
            }
            unpack(&e)?;
            count += 1;
        }
    }
    let dev = new_tmpfs(DEV_FS, 0o755, ROOT_OWNER);
    let dir = dev.root.inode();
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
        dir.create(name, S_IFCHR | perm, ROOT_OWNER, (major, minor))?;
    }
    dir.mkdir("pts", 0o755, ROOT_OWNER)?;
    DEVTMPFS.call_once(|| dev);
    Ok(count)
}

/// `/dev/vda`, `/dev/vda1`, ... for the block devices found at boot
/// (brw-rw----, root:disk as devtmpfs makes them).
pub fn add_block_nodes() {
    let Some(dev) = DEVTMPFS.get() else { return };
    let dir = dev.root.inode();
    for b in crate::block::all() {
        let made = dir.create(&b.name, S_IFBLK | 0o660, Owner { uid: 0, gid: 6 }, (b.major, b.minor));
        if let Err(e) = made.map(|_| ()).or_else(|e| if e == Errno::EEXIST { Ok(()) } else { Err(e) }) {
            printk!(crate::printk::LEVEL_WARNING, "devtmpfs: cannot make /dev/{}: {}", b.name, e.name());
        }
    }
}

/// One initramfs entry into the root tmpfs (the kernel's own lookups:
/// no permission checks; owners and modes as the archive says).
fn unpack(e: &kernel_cpio::Entry) -> Result<(), Errno> {
    let p = ns().resolve_parent(&root(), e.name, None)?;
    let kernel_vfs::Last::Name(name) = &p.last else { return Ok(()) };
    let dir = p.dir.inode();
    let perm = e.permissions();
    let owner = Owner { uid: e.uid, gid: e.gid };
    match e.file_type() {
        kernel_cpio::S_IFDIR => match dir.lookup(name) {
            Ok(existing) => existing.setattr(&SetAttr {
                perm: Some(perm),
                uid: Some(e.uid),
                gid: Some(e.gid),
                ..Default::default()
            })?,
            Err(_) => {
                dir.mkdir(name, perm, owner)?;
            }
        },
        kernel_cpio::S_IFREG => {
            let node = dir.create(name, S_IFREG | perm, owner, (0, 0))?;
            if node.write_at(0, e.data)? != e.data.len() {
                return Err(Errno::ENOSPC);
            }
        }
        kernel_cpio::S_IFLNK => {
            let target = core::str::from_utf8(e.data).map_err(|_| Errno::EINVAL)?;
            dir.symlink(name, target, owner)?;
        }
        kernel_cpio::S_IFCHR => {
            dir.create(name, S_IFCHR | perm, owner, (e.rdev_major, e.rdev_minor))?;
        }
        _ => {}
    }
    Ok(())
}

/// Heap the in-memory filesystems leave free beyond the heap's own
/// reserve: room for a shell to fork and exec `rm` once the heap is full
/// of names.
pub const FS_SLACK: usize = 2 << 20;

/// ENOSPC unless the filesystems may take `bytes` more of the kernel heap
/// (names, directories and the page index live there; file data does not).
pub fn check_space(bytes: usize) -> Result<(), Errno> {
    if crate::mm::heap::has_room(bytes.saturating_add(FS_SLACK)) {
        Ok(())
    } else {
        Err(Errno::ENOSPC)
    }
}

/// The current process's working directory.
pub fn cwd() -> Path {
    crate::process::with_current(|p| p.cwd.clone()).ok().flatten().unwrap_or_else(root)
}

/// Resolves `path` from `base` for the current process (search
/// permission on every directory walked); `follow` decides for a final
/// symlink.
pub fn resolve(base: &Path, path: &str, follow: bool) -> Result<Path, Errno> {
    resolve_as(base, path, follow, &crate::process::current_creds())
}

/// `resolve` with the search checks made for `creds` (access(2) walks with
/// the real ids).
pub fn resolve_as(base: &Path, path: &str, follow: bool, creds: &Creds) -> Result<Path, Errno> {
    ns().resolve(base, path, follow, Some(creds))
}

/// The directory that would hold `path`'s last component, and that component.
pub fn resolve_parent(base: &Path, path: &str) -> Result<Parent, Errno> {
    ns().resolve_parent(base, path, Some(&crate::process::current_creds()))
}

/// The kernel's own lookup of an absolute path (no permission checks).
pub fn lookup_kernel(path: &str) -> Result<Path, Errno> {
    ns().resolve(&root(), path, true, None)
}

/// Encodes `(major, minor)` as `st_rdev` (Linux `new_encode_dev`).
pub fn encode_dev(major: u32, minor: u32) -> u64 {
    ((minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)) as u64
}

/// `struct stat` of arm64 (asm-generic layout, 128 bytes).
pub fn stat_bytes(a: &Attr) -> [u8; 128] {
    let mut b = [0u8; 128];
    let mut put = |at: usize, v: u64, n: usize| b[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
    put(0, a.dev, 8);
    put(8, a.ino, 8);
    put(16, a.mode as u64, 4);
    put(20, a.nlink as u64, 4);
    put(24, a.uid as u64, 4);
    put(28, a.gid as u64, 4);
    put(32, encode_dev(a.rdev.0, a.rdev.1), 8);
    put(48, a.size, 8);
    put(56, 4096, 4);
    put(64, a.blocks, 8);
    for (at, t) in [(72, a.atime), (88, a.mtime), (104, a.ctime)] {
        put(at, t.sec as u64, 8);
        put(at + 8, t.nsec as u64, 8);
    }
    b
}

/// The path of `path` for /proc links (` (deleted)` once removed).
pub fn display_path(path: &Path) -> String {
    ns().display_path(path)
}
