//! The mount table: which filesystem root covers which directory, mount(2)
//! of the in-memory filesystems with their options, umount2(2), and
//! /proc/mounts.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use spin::Mutex;

use super::{devpts, insert, mount_options, procfs, resolve, Data, Inode, DEVTMPFS, SYS_FS, S_IFREG};

/// `st_dev` of the next tmpfs mount.
static NEXT_FS: Mutex<u32> = Mutex::new(16);

struct Mount {
    /// The directory mounted over.
    point: Arc<Inode>,
    root: Arc<Inode>,
    fstype: &'static str,
    source: String,
    path: String,
    /// Path walks that crossed into it (Linux's `mntput` of a use).
    crossings: u64,
    /// MNT_EXPIRE's mark: `crossings` when it was set; a later use clears it.
    expiry_mark: Option<u64>,
}

/// umount2(2)'s flags (the syscall layer rejected unknown bits).
#[derive(Clone, Copy, Default)]
pub struct UmountOptions {
    pub force: bool,
    pub detach: bool,
    pub expire: bool,
    pub nofollow: bool,
}

static MOUNTS: Mutex<Vec<Mount>> = Mutex::new(Vec::new());

/// The root of what is mounted on `node`, if anything (the latest mount).
pub(super) fn crossed(node: Arc<Inode>) -> Arc<Inode> {
    let mut mounts = MOUNTS.lock();
    match mounts.iter_mut().rev().find(|m| Arc::ptr_eq(&m.point, &node)) {
        Some(m) => {
            m.crossings += 1;
            m.root.clone()
        }
        None => node,
    }
}

/// Whether something is mounted on `node` (it cannot be removed then).
pub(super) fn is_mount_point(node: &Arc<Inode>) -> bool {
    MOUNTS.lock().iter().any(|m| Arc::ptr_eq(&m.point, node))
}

/// mount(2) of a pseudo filesystem on the directory at `path`, with the
/// filesystem's `options` (mount's `data`; unknown ones are EINVAL, as on
/// Linux, never silently ignored).
pub fn mount(cwd: &str, source: &str, path: &str, fstype: &str, options: &str) -> Result<(), Errno> {
    let point = resolve(cwd, path, true)?;
    if !point.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let no_options = || match options.is_empty() {
        true => Ok(()),
        false => Err(Errno::EINVAL),
    };
    let (root, fstype): (Arc<Inode>, &'static str) = match fstype {
        "tmpfs" | "ramfs" => {
            let root = new_tmpfs(options)?;
            (root, if fstype == "tmpfs" { "tmpfs" } else { "ramfs" })
        }
        "proc" => {
            no_options()?;
            (procfs::new_root(), "proc")
        }
        "sysfs" => {
            no_options()?;
            (new_sysfs()?, "sysfs")
        }
        "devtmpfs" => {
            no_options()?;
            (DEVTMPFS.get().ok_or(Errno::ENODEV)?.clone(), "devtmpfs")
        }
        "devpts" => (devpts::mount(options)?, "devpts"),
        _ => return Err(Errno::ENODEV),
    };
    let abs = kernel_path::join(cwd, path);
    MOUNTS.lock().push(Mount {
        point,
        root,
        fstype,
        source: source.into(),
        path: abs,
        crossings: 0,
        expiry_mark: None,
    });
    Ok(())
}

/// sysfs: read-only (openat refuses writes on it), and only what user
/// space asks of us so far: the console's device name (BusyBox `cttyhack`
/// reads it to give the login shell its controlling terminal) and the CPU
/// lists (one CPU: `0`).
fn new_sysfs() -> Result<Arc<Inode>, Errno> {
    let root = Inode::new_dir(SYS_FS, 0o555);
    for (path, content) in [
        ("class/tty/console/active", "ttyAMA0\n"),
        ("devices/system/cpu/online", "0\n"),
        ("devices/system/cpu/possible", "0\n"),
        ("devices/system/cpu/present", "0\n"),
    ] {
        let (dirs, name) = path.rsplit_once('/').unwrap_or(("", path));
        let mut dir = root.clone();
        for part in dirs.split('/') {
            dir = match dir.child(part) {
                Some(d) => d,
                None => {
                    let sub = Inode::new_dir(SYS_FS, 0o755);
                    insert(&dir, part, sub.clone())?;
                    sub
                }
            };
        }
        insert(&dir, name, Inode::new(SYS_FS, S_IFREG | 0o444, Data::File(content.as_bytes().to_vec())))?;
    }
    Ok(root)
}

/// A fresh tmpfs root; options `mode`, `uid`, `gid` (its root directory's).
fn new_tmpfs(options: &str) -> Result<Arc<Inode>, Errno> {
    use mount_options::Options;
    let (mut mode, mut uid, mut gid) = (0o1777, 0, 0);
    for opt in Options::parse(options) {
        match opt {
            ("mode", Some(v)) => mode = Options::octal(v)? & 0o7777,
            ("uid", Some(v)) => uid = v.parse().map_err(|_| Errno::EINVAL)?,
            ("gid", Some(v)) => gid = v.parse().map_err(|_| Errno::EINVAL)?,
            _ => return Err(Errno::EINVAL),
        }
    }
    let fs = {
        let mut next = NEXT_FS.lock();
        *next += 1;
        *next
    };
    let root = Inode::new_dir(fs, mode);
    {
        let mut m = root.meta.lock();
        m.uid = uid;
        m.gid = gid;
    }
    Ok(root)
}

/// umount2(2) of the mount whose root is `node`, which the caller looked
/// up from `cwd` and `path` (a final symlink followed unless `nofollow`,
/// the walk crossing into the mount once), Linux's `do_umount`: EINVAL
/// unless `path`
/// is the root of a mount; a mount in use (a working directory, an open
/// file or a running program inside it, or a mount below it) is EBUSY
/// unless `detach`, which takes it out of the tree at once while what is
/// open inside keeps working. `expire` (not with `force` or `detach`:
/// EINVAL) unmounts an unused mount on the second call if nothing used
/// it in between (the first one marks it: EAGAIN). `force` asks the
/// filesystem to abort pending I/O first: these are in memory, there is
/// none.
pub fn umount(cwd: &str, path: &str, node: &Arc<Inode>, opts: UmountOptions) -> Result<(), Errno> {
    let abs = kernel_path::join(cwd, path);
    let mut mounts = MOUNTS.lock();
    // Mounts sharing one root (devtmpfs, devpts) are told apart by path.
    let i = {
        let at_root = |m: &Mount| Arc::ptr_eq(&m.root, node);
        mounts
            .iter()
            .rposition(|m| at_root(m) && m.path == abs)
            .or_else(|| mounts.iter().rposition(at_root))
            .ok_or(Errno::EINVAL)?
    };
    if opts.expire && (opts.force || opts.detach) {
        return Err(Errno::EINVAL);
    }
    if !opts.detach || opts.expire {
        let m = &mounts[i];
        let below = mounts.iter().any(|o| o.path != m.path && is_under(&o.path, &m.path));
        if below || in_use(m) {
            return Err(Errno::EBUSY);
        }
    }
    if opts.expire {
        let m = &mut mounts[i];
        // Our own lookup above crossed it once.
        let untouched = m.expiry_mark.is_some_and(|at| m.crossings <= at + 1);
        if !untouched {
            m.expiry_mark = Some(m.crossings);
            return Err(Errno::EAGAIN);
        }
    }
    let gone = mounts.remove(i);
    if opts.detach {
        // Mounts below a detached one go with it (umount_tree).
        mounts.retain(|o| !is_under(&o.path, &gone.path));
    }
    Ok(())
}

/// Whether `path` is `dir` or inside it.
fn is_under(path: &str, dir: &str) -> bool {
    path == dir || dir == "/" || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a process works in `m`, runs a program from it or has a file
/// of it open (what keeps a Linux mount's count above its own).
fn in_use(m: &Mount) -> bool {
    let fs = m.root.fs;
    let _irq = crate::arch::IrqGuard::new();
    let procs = crate::process::PROCS.lock();
    procs.values().any(|p| {
        is_under(&p.cwd, &m.path)
            || p.image.as_ref().is_some_and(|img| img.dev == fs && is_under(&img.path, &m.path))
            || p.fds.files().any(|f| f.node.fs == fs && is_under(&f.path, &m.path))
    })
}

/// /proc/mounts.
pub fn mounts_text() -> String {
    let mut s = String::from("rootfs / rootfs rw 0 0\n");
    for m in MOUNTS.lock().iter() {
        s += &format!("{} {} {} rw{} 0 0\n", m.source, m.path, m.fstype, shown_options(m));
    }
    s
}

/// The options a mount was given that differ from the defaults, as Linux
/// lists them after `rw` (none of Linux's atime options: atime is not kept).
fn shown_options(m: &Mount) -> String {
    match m.fstype {
        "tmpfs" | "ramfs" => {
            let meta = *m.root.meta.lock();
            let mut s = String::new();
            if meta.mode & 0o7777 != 0o1777 {
                s += &format!(",mode={:o}", meta.mode & 0o7777);
            }
            if meta.uid != 0 {
                s += &format!(",uid={}", meta.uid);
            }
            if meta.gid != 0 {
                s += &format!(",gid={}", meta.gid);
            }
            s
        }
        "devpts" => devpts::options_text(),
        _ => String::new(),
    }
}
