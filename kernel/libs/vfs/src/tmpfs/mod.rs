//! tmpfs: a filesystem held in memory. Directories are maps in the kernel
//! heap; file data is in pages from the injected `PageAlloc` (frames on
//! the kernel, so a file may grow as large as free RAM), allocated on
//! first write: a file never written in some range has a hole there
//! (SEEK_HOLE finds it, reads return zeros, no page is spent).

mod data;
mod dir;

use alloc::string::String;
use alloc::sync::{Arc, Weak};
use core::any::Any;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use kernel_abi::Errno;
use spin::Mutex;

use crate::node::*;
use crate::page::{PageAlloc, PAGE_SIZE};
use data::Data;
use dir::Dir;

/// `f_type` of statfs(2) on tmpfs.
pub const TMPFS_MAGIC: u64 = 0x0102_1994;

/// Linux's tmpfs counts this many bytes of directory size per entry.
const BOGO_DIRENT_SIZE: u64 = 20;

/// A tmpfs instance.
pub struct Tmpfs<P: PageAlloc> {
    root: Arc<Node<P>>,
    shared: Arc<Shared<P>>,
}

struct Shared<P: PageAlloc> {
    pages: P,
    dev: u64,
    next_ino: AtomicU64,
    clock: fn() -> Time,
    /// The `size=` limit in pages (None: as much as the provider gives).
    limit: Option<usize>,
    /// Pages its files hold.
    used: Arc<AtomicUsize>,
}

impl<P: PageAlloc> Shared<P> {
    /// A page for file data, within the limit (None: ENOSPC).
    fn alloc(&self) -> Option<Counted<P>> {
        let limit = self.limit.unwrap_or(usize::MAX);
        self.used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| (u < limit).then_some(u + 1)).ok()?;
        match self.pages.alloc_zeroed() {
            Some(page) => Some(Counted { page, used: self.used.clone() }),
            None => {
                self.used.fetch_sub(1, Ordering::SeqCst);
                None
            }
        }
    }
}

/// A page of file data, counted against its tmpfs's limit until dropped.
pub(super) struct Counted<P: PageAlloc> {
    page: P::Page,
    used: Arc<AtomicUsize>,
}

impl<P: PageAlloc> Counted<P> {
    fn bytes(&self) -> &[u8] {
        self.page.as_ref()
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        self.page.as_mut()
    }
}

impl<P: PageAlloc> Drop for Counted<P> {
    fn drop(&mut self) {
        self.used.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<P: PageAlloc> Tmpfs<P> {
    /// An empty tmpfs with `st_dev` `dev` whose root has permissions
    /// `perm` and `owner`; `clock` stamps times.
    pub fn new(dev: u64, pages: P, clock: fn() -> Time, perm: u32, owner: Owner) -> Arc<Tmpfs<P>> {
        Tmpfs::with_limit(dev, pages, clock, perm, owner, None)
    }

    /// As `new`, holding at most `limit` pages of file data (mount's
    /// `size=`; ENOSPC beyond).
    pub fn with_limit(
        dev: u64,
        pages: P,
        clock: fn() -> Time,
        perm: u32,
        owner: Owner,
        limit: Option<usize>,
    ) -> Arc<Tmpfs<P>> {
        let used = Arc::new(AtomicUsize::new(0));
        let shared = Arc::new(Shared { pages, dev, next_ino: AtomicU64::new(1), clock, limit, used });
        let root = Node::new(&shared, S_IFDIR | (perm & 0o7777), owner, (0, 0), Body::Dir(Mutex::new(Dir::new(None))));
        Arc::new(Tmpfs { root, shared })
    }

    pub fn pages(&self) -> &P {
        &self.shared.pages
    }

    /// Pages of file data it holds.
    pub fn used_pages(&self) -> usize {
        self.shared.used.load(Ordering::SeqCst)
    }
}

impl<P: PageAlloc> FileSystem for Tmpfs<P> {
    fn root(&self) -> Arc<dyn Inode> {
        self.root.clone()
    }

    fn dev(&self) -> u64 {
        self.shared.dev
    }

    /// With a `size=` limit: that many blocks, those not used free (or
    /// what the provider has left, if less); without: the provider's.
    fn statfs(&self) -> StatFs {
        let pages = &self.shared.pages;
        let (total, free) = match self.shared.limit {
            Some(limit) => (limit, limit.saturating_sub(self.used_pages()).min(pages.free_pages())),
            None => (pages.total_pages(), pages.free_pages()),
        };
        StatFs {
            magic: TMPFS_MAGIC,
            block_size: PAGE_SIZE as u64,
            blocks: total as u64,
            blocks_free: free as u64,
            files: total as u64,
            files_free: free as u64,
            name_max: kernel_path::NAME_MAX as u64,
        }
    }
}

#[derive(Clone, Copy)]
struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    rdev: (u32, u32),
    atime: Time,
    mtime: Time,
    ctime: Time,
}

enum Body<P: PageAlloc> {
    Dir(Mutex<Dir<P>>),
    File(Mutex<Data<P>>),
    Symlink(String),
    /// Devices, FIFOs, sockets: only their attributes live here.
    Special,
}

/// A tmpfs inode.
pub struct Node<P: PageAlloc> {
    me: Weak<Node<P>>,
    fs: Arc<Shared<P>>,
    ino: u64,
    meta: Mutex<Meta>,
    body: Body<P>,
}

impl<P: PageAlloc> Node<P> {
    fn new(fs: &Arc<Shared<P>>, mode: u32, owner: Owner, rdev: (u32, u32), body: Body<P>) -> Arc<Node<P>> {
        let now = (fs.clock)();
        let nlink = if mode & S_IFMT == S_IFDIR { 2 } else { 1 };
        Arc::new_cyclic(|me| Node {
            me: me.clone(),
            fs: fs.clone(),
            ino: fs.next_ino.fetch_add(1, Ordering::Relaxed),
            meta: Mutex::new(Meta {
                mode,
                uid: owner.uid,
                gid: owner.gid,
                nlink,
                rdev,
                atime: now,
                mtime: now,
                ctime: now,
            }),
            body,
        })
    }

    fn arc(&self) -> Arc<Node<P>> {
        self.me.upgrade().expect("a node in use is alive")
    }

    fn now(&self) -> Time {
        (self.fs.clock)()
    }

    fn dir(&self) -> Result<&Mutex<Dir<P>>> {
        match &self.body {
            Body::Dir(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self.body, Body::Dir(_))
    }

    /// One of this filesystem's nodes, or EXDEV.
    fn same_fs<'a>(&self, other: &'a dyn Inode) -> Result<&'a Node<P>> {
        let other = other.as_any().downcast_ref::<Node<P>>().ok_or(Errno::EXDEV)?;
        if Arc::ptr_eq(&self.fs, &other.fs) {
            Ok(other)
        } else {
            Err(Errno::EXDEV)
        }
    }

    fn change_nlink(&self, delta: i32) {
        let mut m = self.meta.lock();
        m.nlink = m.nlink.saturating_add_signed(delta);
        m.ctime = self.now();
    }

    /// A directory's entries changed: mtime and ctime move.
    fn modified(&self) {
        let now = self.now();
        let mut m = self.meta.lock();
        m.mtime = now;
        m.ctime = now;
    }

    /// Adds a new node `name` made by `make` (EEXIST if taken).
    fn add(&self, name: &str, node: Arc<Node<P>>) -> Result<Arc<dyn Inode>> {
        let is_dir = node.is_dir();
        self.dir()?.lock().insert(name, node.clone())?;
        if let Body::Dir(d) = &node.body {
            d.lock().parent = Some(self.me.clone());
        }
        if is_dir {
            self.change_nlink(1);
        }
        self.modified();
        Ok(node)
    }

    /// Whether `self` is `ancestor` or lies below it (parent links).
    fn is_within(&self, ancestor: &Node<P>) -> bool {
        let mut cur = self.arc();
        loop {
            if core::ptr::eq(&*cur, ancestor) {
                return true;
            }
            let parent = match &cur.body {
                Body::Dir(d) => d.lock().parent.as_ref().and_then(Weak::upgrade),
                _ => None,
            };
            match parent {
                Some(p) if !Arc::ptr_eq(&p, &cur) => cur = p,
                _ => return false,
            }
        }
    }

    fn remove(&self, name: &str, want_dir: bool) -> Result<()> {
        let mut dir = self.dir()?.lock();
        let node = dir.get(name).ok_or(Errno::ENOENT)?;
        match (want_dir, node.is_dir()) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) if !node.dir()?.lock().is_empty() => return Err(Errno::ENOTEMPTY),
            _ => {}
        }
        dir.remove(name);
        drop(dir);
        if want_dir {
            node.meta.lock().nlink = 0;
            self.change_nlink(-1);
        } else {
            node.change_nlink(-1);
        }
        self.modified();
        Ok(())
    }
}

impl<P: PageAlloc> Inode for Node<P> {
    fn ino(&self) -> u64 {
        self.ino
    }

    fn getattr(&self) -> Result<Attr> {
        let m = *self.meta.lock();
        let (size, pages) = match &self.body {
            Body::File(d) => {
                let d = d.lock();
                (d.size(), d.pages() as u64)
            }
            Body::Dir(d) => ((d.lock().len() as u64 + 2) * BOGO_DIRENT_SIZE, 0),
            Body::Symlink(t) => (t.len() as u64, 0),
            Body::Special => (0, 0),
        };
        Ok(Attr {
            dev: self.fs.dev,
            ino: self.ino,
            mode: m.mode,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: m.rdev,
            size,
            blocks: pages * (PAGE_SIZE as u64 / 512),
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
        })
    }

    fn setattr(&self, c: &SetAttr) -> Result<()> {
        if let Some(size) = c.size {
            match &self.body {
                Body::File(d) => {
                    d.lock().truncate(size)?;
                    self.modified();
                }
                Body::Dir(_) => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
        }
        let now = self.now();
        let mut m = self.meta.lock();
        if let Some(perm) = c.perm {
            m.mode = (m.mode & S_IFMT) | (perm & 0o7777);
        }
        if let Some(uid) = c.uid {
            m.uid = uid;
        }
        if let Some(gid) = c.gid {
            m.gid = gid;
        }
        if let Some(t) = c.atime {
            m.atime = t;
        }
        if let Some(t) = c.mtime {
            m.mtime = t;
        }
        m.ctime = now;
        Ok(())
    }

    fn lookup(&self, name: &str) -> Result<Arc<dyn Inode>> {
        let node = self.dir()?.lock().get(name).ok_or(Errno::ENOENT)?;
        Ok(node)
    }

    fn create(&self, name: &str, mode: u32, owner: Owner, rdev: (u32, u32)) -> Result<Arc<dyn Inode>> {
        self.dir()?;
        let body = match mode & S_IFMT {
            S_IFREG => Body::File(Mutex::new(Data::new())),
            S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => Body::Special,
            _ => return Err(Errno::EINVAL),
        };
        let rdev = if matches!(mode & S_IFMT, S_IFCHR | S_IFBLK) { rdev } else { (0, 0) };
        self.add(name, Node::new(&self.fs, mode, owner, rdev, body))
    }

    fn mkdir(&self, name: &str, perm: u32, owner: Owner) -> Result<Arc<dyn Inode>> {
        self.dir()?;
        let body = Body::Dir(Mutex::new(Dir::new(Some(self.me.clone()))));
        self.add(name, Node::new(&self.fs, S_IFDIR | (perm & 0o7777), owner, (0, 0), body))
    }

    fn symlink(&self, name: &str, target: &str, owner: Owner) -> Result<Arc<dyn Inode>> {
        self.dir()?;
        self.add(name, Node::new(&self.fs, S_IFLNK | 0o777, owner, (0, 0), Body::Symlink(target.into())))
    }

    fn link(&self, name: &str, target: &dyn Inode) -> Result<()> {
        let target = self.same_fs(target)?.arc();
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        self.dir()?.lock().insert(name, target.clone())?;
        target.change_nlink(1);
        self.modified();
        Ok(())
    }

    fn unlink(&self, name: &str) -> Result<()> {
        self.remove(name, false)
    }

    fn rmdir(&self, name: &str) -> Result<()> {
        self.remove(name, true)
    }

    fn rename(&self, old: &str, new_dir: &dyn Inode, new: &str) -> Result<()> {
        let dst = self.same_fs(new_dir)?;
        self.dir()?;
        dst.dir()?;
        let node = self.dir()?.lock().get(old).ok_or(Errno::ENOENT)?;
        if node.is_dir() && dst.is_within(&node) {
            return Err(Errno::EINVAL);
        }
        let same = core::ptr::eq(self, dst);
        // Both directories locked for the whole move, in inode order.
        let (mut src_dir, mut dst_dir) = if same {
            (self.dir()?.lock(), None)
        } else if self.ino < dst.ino {
            let s = self.dir()?.lock();
            (s, Some(dst.dir()?.lock()))
        } else {
            let d = dst.dir()?.lock();
            (self.dir()?.lock(), Some(d))
        };
        let replaced = dst_dir.as_ref().map_or_else(|| src_dir.get(new), |d| d.get(new));
        if let Some(existing) = &replaced {
            if Arc::ptr_eq(existing, &node) {
                return Ok(());
            }
            match (node.is_dir(), existing.is_dir()) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                (true, true) if !existing.dir()?.lock().is_empty() => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
        }
        src_dir.remove(old);
        let target = dst_dir.as_mut().unwrap_or(&mut src_dir);
        target.remove(new);
        target.insert(new, node.clone()).expect("the name was just freed");
        drop(src_dir);
        drop(dst_dir);
        if let Some(existing) = replaced {
            if existing.is_dir() {
                existing.meta.lock().nlink = 0;
                dst.change_nlink(-1);
            } else {
                existing.change_nlink(-1);
            }
        }
        if let Body::Dir(d) = &node.body {
            d.lock().parent = Some(dst.me.clone());
            if !same {
                self.change_nlink(-1);
                dst.change_nlink(1);
            }
        }
        node.meta.lock().ctime = self.now();
        self.modified();
        dst.modified();
        Ok(())
    }

    fn exchange(&self, old: &str, new_dir: &dyn Inode, new: &str) -> Result<()> {
        let dst = self.same_fs(new_dir)?;
        let a = self.dir()?.lock().get(old).ok_or(Errno::ENOENT)?;
        let b = dst.dir()?.lock().get(new).ok_or(Errno::ENOENT)?;
        if Arc::ptr_eq(&a, &b) {
            return Ok(());
        }
        if (a.is_dir() && dst.is_within(&a)) || (b.is_dir() && self.is_within(&b)) {
            return Err(Errno::EINVAL);
        }
        let same = core::ptr::eq(self, dst);
        if same {
            let mut d = self.dir()?.lock();
            d.replace(old, b.clone());
            d.replace(new, a.clone());
        } else {
            self.dir()?.lock().replace(old, b.clone());
            dst.dir()?.lock().replace(new, a.clone());
            for (node, from, to) in [(&a, self, dst), (&b, dst, self)] {
                if let Body::Dir(d) = &node.body {
                    d.lock().parent = Some(to.me.clone());
                    from.change_nlink(-1);
                    to.change_nlink(1);
                }
            }
        }
        let now = self.now();
        a.meta.lock().ctime = now;
        b.meta.lock().ctime = now;
        self.modified();
        dst.modified();
        Ok(())
    }

    fn readdir(&self, cookie: u64, emit: &mut dyn FnMut(DirEntry) -> bool) -> Result<()> {
        let dir = self.dir()?.lock();
        if cookie == 0 && !emit(DirEntry { ino: self.ino, kind: FileType::Directory, name: ".", next: 1 }) {
            return Ok(());
        }
        if cookie <= 1 {
            let parent = dir.parent.as_ref().and_then(Weak::upgrade).map_or(self.ino, |p| p.ino);
            if !emit(DirEntry { ino: parent, kind: FileType::Directory, name: "..", next: 2 }) {
                return Ok(());
            }
        }
        for (c, name, node) in dir.from(cookie.max(2)) {
            let kind = FileType::from_mode(node.meta.lock().mode).unwrap_or(FileType::Regular);
            if !emit(DirEntry { ino: node.ino, kind, name, next: c + 1 }) {
                break;
            }
        }
        Ok(())
    }

    fn touch_atime(&self, atime: Time) -> Result<()> {
        self.meta.lock().atime = atime;
        Ok(())
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        match &self.body {
            Body::File(d) => Ok(d.lock().read_at(offset, buf)),
            Body::Dir(_) => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        match &self.body {
            Body::File(d) => {
                let n = d.lock().write_at(&self.fs, offset, buf)?;
                self.modified();
                Ok(n)
            }
            Body::Dir(_) => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn fallocate(&self, how: Fallocate, offset: u64, len: u64) -> Result<()> {
        let end = offset.checked_add(len).ok_or(Errno::EFBIG)?;
        match &self.body {
            Body::File(d) => {
                match how {
                    Fallocate::Allocate { keep_size } => d.lock().allocate(&self.fs, offset, end, keep_size)?,
                    Fallocate::PunchHole => d.lock().punch_hole(offset, end),
                }
                self.modified();
                Ok(())
            }
            Body::Dir(_) => Err(Errno::EISDIR),
            _ => Err(Errno::ENODEV),
        }
    }

    fn readlink(&self) -> Result<String> {
        match &self.body {
            Body::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn seek_data(&self, offset: u64) -> Result<u64> {
        match &self.body {
            Body::File(d) => d.lock().seek_data(offset),
            _ => Err(Errno::EINVAL),
        }
    }

    fn seek_hole(&self, offset: u64) -> Result<u64> {
        match &self.body {
            Body::File(d) => d.lock().seek_hole(offset),
            _ => Err(Errno::EINVAL),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
