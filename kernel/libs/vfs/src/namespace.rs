//! The mount tree and path resolution: a `Path` is a dentry as seen
//! through one mount; walking crosses into what is mounted on a
//! directory, `..` climbs out of a mount's root to the directory it
//! covers, symlinks are followed (40 at most, ELOOP beyond), and every
//! directory searched needs search permission.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use core::sync::atomic::{AtomicU64, Ordering};
use kernel_abi::Errno;
use kernel_perm::{Creds, MAY_EXEC};
use spin::Mutex;

use crate::access;
use crate::dentry::{Dentry, Superblock};
use crate::node::{Attr, Inode, Result, Time, S_IFLNK, S_IFMT};

/// Most symlinks one resolution follows (Linux's `MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;

/// A filesystem mounted somewhere.
pub struct Mount {
    pub sb: Arc<Superblock>,
    /// The directory it covers (None: the namespace's root).
    at: Option<Path>,
    pub fstype: String,
    pub source: String,
    /// The options /proc/mounts shows after `rw`.
    pub options: String,
    /// Path walks that crossed into it (a use: Linux's `mntput` clears
    /// the expiry mark).
    crossings: AtomicU64,
    /// MNT_EXPIRE's mark: `crossings` when a first MNT_EXPIRE set it
    /// (`NO_MARK`: none); a later use clears it.
    expiry_mark: AtomicU64,
    /// MS_RDONLY: changes through it fail with EROFS.
    pub readonly: bool,
    /// When reads update access times.
    pub atime: AtimePolicy,
}

/// A mount's access-time policy (MS_NOATIME, MS_NODIRATIME, MS_STRICTATIME;
/// the default is Linux's relatime).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AtimePolicy {
    /// Never update atime.
    pub noatime: bool,
    /// Never update directories' atime.
    pub nodiratime: bool,
    /// Update atime on every access (otherwise relatime).
    pub strictatime: bool,
}

impl AtimePolicy {
    /// Whether an access at `now` updates an inode with these times
    /// (`is_dir` for nodiratime): relatime updates when atime is not later
    /// than mtime or ctime, or is a day old; never to the same value.
    pub fn needs_update(&self, is_dir: bool, atime: Time, mtime: Time, ctime: Time, now: Time) -> bool {
        if self.noatime || (self.nodiratime && is_dir) || atime == now {
            return false;
        }
        self.strictatime || mtime >= atime || ctime >= atime || now.sec - atime.sec >= 24 * 60 * 60
    }
}

impl Mount {
    /// EROFS on a read-only mount.
    pub fn writable(&self) -> Result<()> {
        if self.readonly {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }
}

/// `Mount::expiry_mark` when unmarked.
const NO_MARK: u64 = u64::MAX;

/// How umount2 treats a mount in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Umount {
    /// EBUSY while in use.
    Normal,
    /// MNT_DETACH: off the tree now; users keep it until they let go.
    Detach,
    /// MNT_EXPIRE: the first call marks it (EAGAIN), a second unmounts it
    /// if unused.
    Expire,
}

/// A place in the tree: a dentry reached through a mount.
#[derive(Clone)]
pub struct Path {
    pub mount: Arc<Mount>,
    pub dentry: Arc<Dentry>,
}

impl Path {
    pub fn inode(&self) -> &Arc<dyn Inode> {
        self.dentry.inode()
    }

    pub fn attr(&self) -> Result<Attr> {
        self.dentry.inode().getattr()
    }

    /// Whether it is a directory (false if its attributes cannot be read).
    pub fn is_dir(&self) -> bool {
        self.attr().is_ok_and(|a| a.is_dir())
    }

    /// Whether both name the same dentry through the same mount.
    pub fn same(&self, other: &Path) -> bool {
        Arc::ptr_eq(&self.mount, &other.mount) && Arc::ptr_eq(&self.dentry, &other.dentry)
    }

    fn is_mount_root(&self) -> bool {
        Arc::ptr_eq(&self.dentry, &self.mount.sb.root)
    }
}

/// The last component of a path that creates or removes a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Last {
    Name(String),
    /// `.` (or a path that is only slashes and dots).
    Dot,
    DotDot,
    /// `/` itself.
    Root,
}

/// What `resolve_parent` returns: the directory and the last component.
pub struct Parent {
    pub dir: Path,
    pub last: Last,
    /// The path ended in `/` (the object must be a directory).
    pub trailing_slash: bool,
}

pub struct Namespace {
    root: Path,
    mounts: Mutex<Vec<Arc<Mount>>>,
}

impl Namespace {
    pub fn new(sb: Arc<Superblock>, fstype: &str, source: &str) -> Namespace {
        let mount = Arc::new(Mount {
            sb: sb.clone(),
            at: None,
            fstype: fstype.into(),
            source: source.into(),
            options: String::new(),
            crossings: AtomicU64::new(0),
            expiry_mark: AtomicU64::new(NO_MARK),
            readonly: false,
            atime: AtimePolicy::default(),
        });
        let root = Path { mount: mount.clone(), dentry: sb.root.clone() };
        Namespace { root, mounts: Mutex::new(alloc::vec![mount]) }
    }

    pub fn root(&self) -> Path {
        self.root.clone()
    }

    /// Mounts `sb` on the directory `at`; `readonly`: MS_RDONLY (every
    /// change through this mount fails with EROFS).
    pub fn mount(
        &self,
        at: &Path,
        sb: Arc<Superblock>,
        fstype: &str,
        source: &str,
        options: &str,
        readonly: bool,
    ) -> Result<()> {
        self.mount_with_atime(at, sb, fstype, source, options, readonly, AtimePolicy::default())
    }

    /// `mount` with an access-time policy other than relatime.
    #[allow(clippy::too_many_arguments)]
    pub fn mount_with_atime(
        &self,
        at: &Path,
        sb: Arc<Superblock>,
        fstype: &str,
        source: &str,
        options: &str,
        readonly: bool,
        atime: AtimePolicy,
    ) -> Result<()> {
        if !at.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if at.dentry.is_dead() {
            return Err(Errno::ENOENT);
        }
        let m = Mount {
            sb,
            at: Some(at.clone()),
            fstype: fstype.into(),
            source: source.into(),
            options: options.into(),
            crossings: AtomicU64::new(0),
            expiry_mark: AtomicU64::new(NO_MARK),
            readonly,
            atime,
        };
        self.mounts.lock().push(Arc::new(m));
        Ok(())
    }

    /// Unmounts the mount whose root `path` is (EINVAL if it is none;
    /// EBUSY for the root). `how` says what to do when it is in use: a
    /// working directory, an open file or a mount inside holds it.
    pub fn umount(&self, path: Path, how: Umount) -> Result<()> {
        if !path.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        if path.mount.at.is_none() {
            return Err(Errno::EBUSY);
        }
        let mount = path.mount;
        let mut mounts = self.mounts.lock();
        let i = mounts.iter().position(|m| Arc::ptr_eq(m, &mount)).ok_or(Errno::EINVAL)?;
        // Held by the table and by `mount` here, and by nothing else when
        // unused (every `Path` into it holds it, as Linux's mnt_count).
        let busy = Arc::strong_count(&mount) > 2;
        match how {
            Umount::Normal if busy => return Err(Errno::EBUSY),
            Umount::Expire if busy => return Err(Errno::EBUSY),
            Umount::Expire => {
                // Unused since marked: no walk crossed into it but the one
                // that found it for this call (Linux's mntput_no_expire).
                let (mark, uses) = (mount.expiry_mark.load(Ordering::SeqCst), mount.crossings.load(Ordering::SeqCst));
                if mark == NO_MARK || uses > mark.saturating_add(1) {
                    mount.expiry_mark.store(uses, Ordering::SeqCst);
                    return Err(Errno::EAGAIN);
                }
            }
            _ => {}
        }
        mounts.remove(i);
        // Lazily: what is mounted below goes with it; users keep what they hold.
        if how == Umount::Detach {
            let mut gone = alloc::vec![mount];
            while let Some(j) = mounts
                .iter()
                .position(|m| m.at.as_ref().is_some_and(|at| gone.iter().any(|g| Arc::ptr_eq(g, &at.mount))))
            {
                gone.push(mounts.remove(j));
            }
        }
        Ok(())
    }

    /// The mounts in the order they were made.
    pub fn mounts(&self) -> Vec<Arc<Mount>> {
        self.mounts.lock().clone()
    }

    /// The latest mount on `path`, if any.
    fn mounted_on(&self, path: &Path) -> Option<Arc<Mount>> {
        let mounts = self.mounts.lock();
        mounts.iter().rev().find(|m| m.at.as_ref().is_some_and(|at| at.same(path))).cloned()
    }

    /// Whether some mount covers `dentry` (through any mount of its
    /// filesystem): it cannot be removed or renamed then (EBUSY).
    pub fn is_mount_point(&self, dentry: &Arc<Dentry>) -> bool {
        self.mounts.lock().iter().any(|m| m.at.as_ref().is_some_and(|at| Arc::ptr_eq(&at.dentry, dentry)))
    }

    /// What is visible at `path`: the root of the mounts stacked on it.
    fn cross(&self, mut path: Path) -> Path {
        while let Some(m) = self.mounted_on(&path) {
            m.crossings.fetch_add(1, Ordering::SeqCst);
            path = Path { dentry: m.sb.root.clone(), mount: m };
        }
        path
    }

    fn parent_of(&self, path: &Path) -> Path {
        let mut path = path.clone();
        // Out of mount roots first: `..` of a mount's root is the parent
        // of the directory it covers.
        while path.is_mount_root() {
            match &path.mount.at {
                Some(at) => path = at.clone(),
                None => return path,
            }
        }
        match path.dentry.parent() {
            Some(d) => Path { mount: path.mount.clone(), dentry: d },
            None => path,
        }
    }

    /// Resolves `path` from `start` (relative) or the root (absolute);
    /// `follow`: whether a final symlink is followed (a trailing slash
    /// always follows, and needs a directory). `creds`: whose search
    /// permission each directory needs (None: the kernel's own lookups).
    pub fn resolve(&self, start: &Path, path: &str, follow: bool, creds: Option<&Creds>) -> Result<Path> {
        let comps = components(path)?;
        // A trailing slash or `.` names the directory a final symlink
        // points to (POSIX), so it is followed.
        let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        let follow = follow || path.ends_with('/') || last == ".";
        let mut cur = if path.starts_with('/') { self.root() } else { start.clone() };
        let mut links = 0;
        self.walk(&mut cur, &comps, follow, &mut links, creds)?;
        if (path.ends_with('/') || last == ".") && !cur.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(cur)
    }

    fn walk(
        &self,
        cur: &mut Path,
        comps: &[&str],
        follow_last: bool,
        links: &mut u32,
        creds: Option<&Creds>,
    ) -> Result<()> {
        for (i, name) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let attr = cur.attr()?;
            if !attr.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            if let Some(c) = creds {
                access::check(&attr, c, MAY_EXEC)?;
            }
            if *name == ".." {
                *cur = self.parent_of(cur);
                continue;
            }
            let child = Path { mount: cur.mount.clone(), dentry: cur.dentry.child(name)? };
            let child = self.cross(child);
            if child.attr()?.mode & S_IFMT == S_IFLNK && (!last || follow_last) {
                *links += 1;
                if *links > MAX_SYMLINKS {
                    return Err(Errno::ELOOP);
                }
                let target = child.inode().readlink()?;
                if target.starts_with('/') {
                    *cur = self.root();
                }
                let tcomps = components(&target)?;
                self.walk(cur, &tcomps, true, links, creds)?;
            } else {
                *cur = child;
            }
        }
        Ok(())
    }

    /// The directory that holds `path`'s last component, and that component.
    pub fn resolve_parent(&self, start: &Path, path: &str, creds: Option<&Creds>) -> Result<Parent> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= kernel_path::PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let trimmed = path.trim_end_matches('/');
        let trailing_slash = trimmed.len() != path.len();
        if trimmed.is_empty() {
            return Ok(Parent { dir: self.root(), last: Last::Root, trailing_slash });
        }
        let (parent, name) = match trimmed.rsplit_once('/') {
            Some(("", name)) => ("/", name),
            Some((parent, name)) => (parent, name),
            None => (".", trimmed),
        };
        if name.len() > kernel_path::NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let dir = self.resolve(start, parent, true, creds)?;
        if !dir.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if let Some(c) = creds {
            access::check(&dir.attr()?, c, MAY_EXEC)?;
        }
        let last = match name {
            "." => Last::Dot,
            ".." => Last::DotDot,
            n => Last::Name(n.into()),
        };
        Ok(Parent { dir, last, trailing_slash })
    }

    /// The absolute path of `path`, from its dentries' names and the
    /// mount points above it (getcwd). ENOENT if it was removed.
    pub fn path_of(&self, path: &Path) -> Result<String> {
        match self.names(path) {
            (p, false) => Ok(p),
            (_, true) => Err(Errno::ENOENT),
        }
    }

    /// The path of `path` as /proc links show it: with ` (deleted)` once
    /// it was removed, as Linux's `d_path`.
    pub fn display_path(&self, path: &Path) -> String {
        match self.names(path) {
            (p, false) => p,
            (mut p, true) => {
                p.push_str(" (deleted)");
                p
            }
        }
    }

    /// The path, and whether some dentry on it is dead.
    fn names(&self, path: &Path) -> (String, bool) {
        let mut names: Vec<String> = Vec::new();
        let mut dead = false;
        let mut cur = path.clone();
        loop {
            dead |= cur.dentry.is_dead();
            if cur.same(&self.root) {
                break;
            }
            if cur.is_mount_root() {
                match &cur.mount.at {
                    Some(at) => {
                        cur = at.clone();
                        continue;
                    }
                    // Another namespace's root: nothing above to name.
                    None => break,
                }
            }
            names.push(cur.dentry.name());
            match cur.dentry.parent() {
                Some(p) => cur = Path { mount: cur.mount.clone(), dentry: p },
                None => break,
            }
        }
        let mut out = String::new();
        for n in names.iter().rev() {
            out.push('/');
            out.push_str(n);
        }
        if out.is_empty() {
            out.push('/');
        }
        (out, dead)
    }

    /// The path where `mount` is seen (/proc/mounts).
    pub fn mount_path(&self, mount: &Arc<Mount>) -> String {
        let root = Path { mount: mount.clone(), dentry: mount.sb.root.clone() };
        self.path_of(&root).unwrap_or_else(|_| String::from("(deleted)"))
    }
}

fn components(path: &str) -> Result<Vec<&str>> {
    kernel_path::components(path).map_err(|e| match e {
        kernel_path::Error::Empty => Errno::ENOENT,
        kernel_path::Error::TooLong => Errno::ENAMETOOLONG,
    })
}
