//! mount(2) of the in-memory filesystems with their options, umount2(2),
//! and /proc/mounts. The mount tree itself is `kernel_vfs::Namespace`'s.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;

use kernel_abi::Errno;
use kernel_vfs::{Owner, Superblock};
use spin::Mutex;

use super::{devpts, mount_options, new_tmpfs, ns, procfs, resolve, Path, DEVTMPFS, SYS_FS, S_IFREG};

/// `st_dev` of the next tmpfs mount.
static NEXT_FS: Mutex<u64> = Mutex::new(16);

/// What mount(2)'s flags ask of a mount.
#[derive(Debug, Clone, Copy, Default)]
pub struct MountFlags {
    /// MS_RDONLY.
    pub readonly: bool,
    /// MS_SYNCHRONOUS or MS_DIRSYNC: every change is written back before
    /// its call returns (ext2; in-memory filesystems hold it anyway).
    pub synchronous: bool,
    /// MS_NOATIME, MS_NODIRATIME, MS_STRICTATIME (else relatime).
    pub atime: kernel_vfs::AtimePolicy,
}

/// mount(2) of a pseudo filesystem on the directory at `path` (from
/// `base`), with the filesystem's `options` (mount's `data`; unknown ones
/// are EINVAL, as on Linux, never silently ignored).
pub fn mount(
    base: &Path,
    source: &str,
    path: &str,
    fstype: &str,
    options: &str,
    flags: MountFlags,
) -> Result<(), Errno> {
    let readonly = flags.readonly;
    let point = resolve(base, path, true)?;
    if !point.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let no_options = || match options.is_empty() {
        true => Ok(()),
        false => Err(Errno::EINVAL),
    };
    let (sb, shown): (Arc<Superblock>, String) = match fstype {
        "tmpfs" | "ramfs" => new_tmpfs_mount(options)?,
        "proc" => {
            no_options()?;
            (procfs::new_superblock(), String::new())
        }
        "sysfs" => {
            no_options()?;
            (new_sysfs()?, String::new())
        }
        "devtmpfs" => {
            no_options()?;
            (DEVTMPFS.get().ok_or(Errno::ENODEV)?.clone(), String::new())
        }
        "devpts" => (devpts::mount(options)?, String::new()),
        "ext2" => {
            no_options()?;
            (mount_ext2(base, source, readonly, flags.synchronous)?, String::new())
        }
        _ => return Err(Errno::ENODEV),
    };
    ns().mount_with_atime(&point, sb, fstype, source, &shown, readonly, flags.atime)
}

/// ext2 on the block device `source` names (ENOTBLK for anything else).
fn mount_ext2(base: &Path, source: &str, readonly: bool, synchronous: bool) -> Result<Arc<Superblock>, Errno> {
    let node = resolve(base, source, true)?;
    let attr = node.inode().getattr()?;
    if attr.file_type() != Some(super::FileType::BlockDevice) {
        return Err(Errno::ENOTBLK);
    }
    let block = crate::block::by_numbers(attr.rdev.0, attr.rdev.1).ok_or(Errno::ENXIO)?;
    let fs = super::ext2::mount(block, readonly, synchronous)?;
    Ok(Superblock::new(fs))
}

/// sysfs: read-only (openat refuses writes on it), and only what user
/// space asks of us so far: the console's device name (BusyBox `cttyhack`
/// reads it to give the login shell its controlling terminal) and the CPU
/// lists (one CPU: `0`).
fn new_sysfs() -> Result<Arc<Superblock>, Errno> {
    let owner = Owner { uid: 0, gid: 0 };
    let sb = new_tmpfs(SYS_FS, 0o555, owner);
    for (path, content) in [
        ("class/tty/console/active", "ttyAMA0\n"),
        ("devices/system/cpu/online", "0\n"),
        ("devices/system/cpu/possible", "0\n"),
        ("devices/system/cpu/present", "0\n"),
    ] {
        let (dirs, name) = path.rsplit_once('/').unwrap_or(("", path));
        let mut dir = sb.root.inode().clone();
        for part in dirs.split('/') {
            dir = match dir.lookup(part) {
                Ok(d) => d,
                Err(_) => dir.mkdir(part, 0o755, owner)?,
            };
        }
        let file = dir.create(name, S_IFREG | 0o444, owner, (0, 0))?;
        file.write_at(0, content.as_bytes())?;
    }
    Ok(sb)
}

/// A fresh tmpfs; options `mode`, `uid`, `gid` (its root directory's)
/// and `size` (bytes with an optional k, m or g, or a percentage of RAM;
/// 0 for no limit). Returns it with the options /proc/mounts shows: those
/// that differ from the defaults, as Linux lists them after `rw` (none of
/// Linux's atime options: atime is not kept).
fn new_tmpfs_mount(options: &str) -> Result<(Arc<Superblock>, String), Errno> {
    use mount_options::Options;
    let (mut mode, mut uid, mut gid, mut size) = (0o1777, 0, 0, None);
    for opt in Options::parse(options) {
        match opt {
            ("mode", Some(v)) => mode = Options::octal(v)? & 0o7777,
            ("uid", Some(v)) => uid = v.parse().map_err(|_| Errno::EINVAL)?,
            ("gid", Some(v)) => gid = v.parse().map_err(|_| Errno::EINVAL)?,
            ("size", Some(v)) => size = Some(size_pages(v)?).filter(|&p| p != 0),
            _ => return Err(Errno::EINVAL),
        }
    }
    let dev = {
        let mut next = NEXT_FS.lock();
        *next += 1;
        *next
    };
    let mut shown = String::new();
    if mode != 0o1777 {
        shown += &format!(",mode={mode:o}");
    }
    if uid != 0 {
        shown += &format!(",uid={uid}");
    }
    if gid != 0 {
        shown += &format!(",gid={gid}");
    }
    if let Some(pages) = size {
        shown += &format!(",size={}k", pages * 4);
    }
    let fs = super::Tmpfs::with_limit(dev, super::pages::FramePages, super::clock, mode, Owner { uid, gid }, size);
    Ok((Superblock::new(fs), shown))
}

/// A `size=` value in pages, rounded up: bytes with an optional `k`, `m`
/// or `g` (also upper case), or `N%` of RAM.
fn size_pages(v: &str) -> Result<usize, Errno> {
    let bad = |_| Errno::EINVAL;
    let (digits, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len()));
    let n: u64 = digits.parse().map_err(bad)?;
    let bytes = match unit {
        "" => n,
        "k" | "K" => n.checked_mul(1 << 10).ok_or(Errno::EINVAL)?,
        "m" | "M" => n.checked_mul(1 << 20).ok_or(Errno::EINVAL)?,
        "g" | "G" => n.checked_mul(1 << 30).ok_or(Errno::EINVAL)?,
        "%" if n <= 100 => (crate::mm::frame::stats().0 as u64 * 4096).saturating_mul(n) / 100,
        _ => return Err(Errno::EINVAL),
    };
    usize::try_from(bytes.div_ceil(4096)).map_err(|_| Errno::EINVAL)
}

/// umount2(2) of the mount at `path` (from `base`): EINVAL unless `path`
/// is the root of a mount; `follow`: whether a final symlink is followed
/// (not under UMOUNT_NOFOLLOW); `how`: EBUSY while in use, MNT_DETACH or
/// MNT_EXPIRE (`kernel_vfs::Umount`).
pub fn umount(base: &Path, path: &str, follow: bool, how: kernel_vfs::Umount) -> Result<(), Errno> {
    let at = resolve(base, path, follow)?;
    // Mapped pages no mapping holds any more are written back and let go
    // (with the mount they kept busy); those still mapped keep it busy.
    let _ = super::filemap::collect();
    ns().umount(at, how)
}

/// /proc/mounts.
pub fn mounts_text() -> String {
    let ns = ns();
    let mut s = String::from("rootfs / rootfs rw 0 0\n");
    for m in ns.mounts().iter().skip(1) {
        let options = if m.fstype == "devpts" { devpts::options_text() } else { m.options.clone() };
        let rw = if m.readonly { "ro" } else { "rw" };
        s += &format!("{} {} {} {rw}{} 0 0\n", m.source, ns.mount_path(m), m.fstype, options);
    }
    s
}
