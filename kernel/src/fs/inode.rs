//! In-memory inodes: the one node type behind tmpfs, devtmpfs and procfs.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;

use super::dev::Device;
use super::procfs::ProcNode;

pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;

#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Type and permission bits, as in `st_mode`.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub rdev: (u32, u32),
    pub mtime_ns: u64,
    /// Last access: set at creation and by utimensat(2); reads do not
    /// update it (as under `noatime`).
    pub atime_ns: u64,
}

pub enum Data {
    Dir(BTreeMap<String, Arc<Inode>>),
    File(Vec<u8>),
    Symlink(String),
    Device(Device),
    /// procfs: content generated when opened.
    Proc(ProcNode),
    Pipe(alloc::sync::Arc<super::pipe::Pipe>),
}

pub struct Inode {
    pub ino: u64,
    /// `st_dev`: which filesystem instance.
    pub fs: u32,
    pub meta: Mutex<Meta>,
    pub data: Mutex<Data>,
}

static NEXT_INO: AtomicU64 = AtomicU64::new(2);

impl Inode {
    pub fn new(fs: u32, mode: u32, data: Data) -> Arc<Inode> {
        let nlink = if mode & S_IFMT == S_IFDIR { 2 } else { 1 };
        Arc::new(Inode {
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            fs,
            meta: Mutex::new(Meta {
                mode,
                uid: 0,
                gid: 0,
                nlink,
                rdev: (0, 0),
                mtime_ns: crate::arch::timer::now_ns(),
                atime_ns: crate::arch::timer::now_ns(),
            }),
            data: Mutex::new(data),
        })
    }

    /// A node that stats exactly as `like` (same `st_dev`, `st_ino`, mode,
    /// owner, device numbers) but holds `data`: what opening /dev/ptmx or
    /// /dev/tty yields, the device it stands for behind the name opened.
    pub fn alias(like: &Inode, data: Data) -> Arc<Inode> {
        Arc::new(Inode { ino: like.ino, fs: like.fs, meta: Mutex::new(*like.meta.lock()), data: Mutex::new(data) })
    }

    pub fn new_dir(fs: u32, perm: u32) -> Arc<Inode> {
        Inode::new(fs, S_IFDIR | (perm & 0o7777), Data::Dir(BTreeMap::new()))
    }

    pub fn mode(&self) -> u32 {
        self.meta.lock().mode
    }

    pub fn file_type(&self) -> u32 {
        self.mode() & S_IFMT
    }

    pub fn is_dir(&self) -> bool {
        self.file_type() == S_IFDIR
    }

    /// The child called `name` of this directory.
    pub fn child(&self, name: &str) -> Option<Arc<Inode>> {
        match &*self.data.lock() {
            Data::Dir(entries) => entries.get(name).cloned(),
            Data::Proc(p) => p.child(name),
            _ => None,
        }
    }

    /// Size as `st_size` reports it.
    pub fn size(&self) -> u64 {
        match &*self.data.lock() {
            Data::File(v) => v.len() as u64,
            Data::Symlink(s) => s.len() as u64,
            Data::Dir(e) => (e.len() as u64 + 2) * 32,
            _ => 0,
        }
    }

    pub fn touch(&self) {
        self.meta.lock().mtime_ns = crate::arch::timer::now_ns();
    }
}
