//! Open files and the per-process descriptor table. What an open file
//! does is fixed when it is opened (Linux's `f_op`): the inode's own data
//! operations for regular files and directories, a device's, a pipe's,
//! or a procfs file's content captured at open.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use spin::Mutex;

use crate::process::sleep_lock::SleepLock;

use super::dev::Device;
use super::procfs::{ProcInode, ProcNode};
use super::{FileType, Inode, Path};

pub const O_ACCMODE: u32 = 0o3;
pub const O_RDONLY: u32 = 0;
pub const O_WRONLY: u32 = 1;
pub const O_RDWR: u32 = 2;
pub const O_CREAT: u32 = 0o100;
pub const O_EXCL: u32 = 0o200;
pub const O_NOCTTY: u32 = 0o400;
pub const O_TRUNC: u32 = 0o1000;
pub const O_APPEND: u32 = 0o2000;
pub const O_NONBLOCK: u32 = 0o4000;
/// arm64 values (differ from x86).
pub const O_DIRECTORY: u32 = 0o40000;
pub const O_NOFOLLOW: u32 = 0o100000;
pub const O_CLOEXEC: u32 = 0o2000000;

pub const SEEK_SET: u32 = 0;
pub const SEEK_CUR: u32 = 1;
pub const SEEK_END: u32 = 2;
pub const SEEK_DATA: u32 = 3;
pub const SEEK_HOLE: u32 = 4;

/// What reads and writes of an open file reach.
pub enum Kind {
    /// The inode's data (regular files) or entries (directories).
    Inode,
    Device(Device),
    Pipe(Arc<super::pipe::Pipe>),
    /// A disk or partition (`/dev/vda1`): byte-addressed at the position.
    Block(Arc<crate::block::BlockDev>),
    /// A socket (net/): reads and writes are receives and sends.
    Socket(Arc<dyn crate::net::Socket>),
    /// A procfs file: its content when opened; writes go to the node.
    Proc {
        content: Vec<u8>,
        node: ProcNode,
    },
}

pub struct OpenFile {
    /// What fstat(2) describes (/dev/ptmx for a PTY master, as on Linux).
    pub node: Arc<dyn Inode>,
    /// Where it was opened (None for pipes): a `dirfd`'s base, /proc links.
    pub path: Option<Path>,
    pub kind: Kind,
    pub flags: Mutex<u32>,
    /// The file position; for directories, the readdir cookie. A sleeping
    /// lock: it is held across the read or write that moves it, which may
    /// wait for the disk, and a second process sharing this description
    /// (fork, dup) must sleep meanwhile, never spin.
    pub offset: SleepLock<u64>,
    /// The owner id of this description's F_OFD_* locks.
    pub ofd_owner: u32,
    /// Set once it took an F_OFD_* lock: its last close releases them.
    pub has_ofd_locks: core::sync::atomic::AtomicBool,
}

/// The next open file description's lock owner id.
static NEXT_OFD_OWNER: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(super::lock::OFD_OWNER_BASE);

/// An access to `node` through `mount` (a read, a readdir, a readlink):
/// its atime moves when the mount's policy says so (not on a read-only
/// mount).
pub fn touch_atime(mount: &kernel_vfs::Mount, node: &dyn Inode) {
    if mount.readonly {
        return;
    }
    let Ok(a) = node.getattr() else { return };
    let now = super::clock();
    if mount.atime.needs_update(a.is_dir(), a.atime, a.mtime, a.ctime, now) {
        let _ = node.touch_atime(now);
    }
}

impl OpenFile {
    pub fn new(node: Arc<dyn Inode>, path: Option<Path>, kind: Kind, flags: u32) -> Arc<OpenFile> {
        match &kind {
            Kind::Pipe(p) => p.open_end(flags & O_ACCMODE != O_RDONLY),
            Kind::Device(Device::PtyMaster(p)) => p.opened(true),
            Kind::Device(Device::PtySlave(p)) => p.opened(false),
            _ => {}
        }
        Arc::new(OpenFile {
            node,
            path,
            kind,
            flags: Mutex::new(flags),
            offset: SleepLock::new(0),
            // Wraps after 2^31 opens back into the OFD range, never into pids.
            ofd_owner: NEXT_OFD_OWNER.fetch_add(1, core::sync::atomic::Ordering::Relaxed) | super::lock::OFD_OWNER_BASE,
            has_ofd_locks: core::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Opens what `path` names (the checks of open(2) already made): a
    /// device through its driver (ENXIO without one), a terminal through
    /// `tty::open_node` (/dev/ptmx makes a pair, /dev/tty is the caller's).
    pub fn open(path: Path, flags: u32) -> Result<Arc<OpenFile>, Errno> {
        let node = path.inode().clone();
        let attr = node.getattr()?;
        let kind = match attr.file_type() {
            Some(FileType::Regular) => match node.as_any().downcast_ref::<ProcInode>().and_then(ProcInode::node) {
                Some(n) => Kind::Proc { content: n.content(), node: n },
                None => Kind::Inode,
            },
            Some(FileType::Directory) => Kind::Inode,
            Some(FileType::CharDevice) => {
                let dev = Device::from_numbers(attr.rdev.0, attr.rdev.1).ok_or(Errno::ENXIO)?;
                Kind::Device(crate::tty::open_node(dev)?)
            }
            Some(FileType::BlockDevice) => {
                Kind::Block(crate::block::by_numbers(attr.rdev.0, attr.rdev.1).ok_or(Errno::ENXIO)?)
            }
            Some(FileType::Symlink) => return Err(Errno::ELOOP),
            // FIFOs and sockets cannot be made yet.
            _ => return Err(Errno::ENXIO),
        };
        Ok(OpenFile::new(node, Some(path), kind, flags))
    }

    pub fn readable(&self) -> bool {
        *self.flags.lock() & O_ACCMODE != O_WRONLY
    }

    pub fn writable(&self) -> bool {
        *self.flags.lock() & O_ACCMODE != O_RDONLY
    }

    pub fn nonblock(&self) -> bool {
        *self.flags.lock() & O_NONBLOCK != 0
    }

    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        match &self.kind {
            Kind::Device(d) => d.read(buf, self.nonblock()),
            Kind::Pipe(p) => p.read(buf, self.nonblock()),
            Kind::Socket(s) => Ok(s.recvmsg(buf, crate::net::MsgFlags::empty(), self.nonblock())?.copied),
            _ => {
                let mut off = self.offset.lock();
                let n = self.read_at_unchecked(*off, buf)?;
                *off += n as u64;
                Ok(n)
            }
        }
    }

    /// Whether a read returns all that was asked while data lasts (files
    /// and memory devices), so a large read may be served in pieces;
    /// pipes and terminals return what is there.
    pub fn reads_fully(&self) -> bool {
        match &self.kind {
            Kind::Inode | Kind::Proc { .. } | Kind::Block(_) => true,
            Kind::Device(d) => d.tty().is_none(),
            Kind::Pipe(_) | Kind::Socket(_) => false,
        }
    }

    /// pread(2): at `offset`, the file position untouched (ESPIPE where
    /// there is no position: pipes and terminals).
    pub fn pread(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        match &self.kind {
            Kind::Pipe(_) | Kind::Socket(_) => Err(Errno::ESPIPE),
            Kind::Device(d) if d.tty().is_some() => Err(Errno::ESPIPE),
            Kind::Device(d) => d.read(buf, self.nonblock()),
            _ => self.read_at_unchecked(offset, buf),
        }
    }

    /// The file was read (read, pread, readv, sendfile, getdents): its
    /// access time moves by its mount's policy (Linux's default relatime:
    /// when atime is not later than mtime or ctime, or a day old), never
    /// with O_NOATIME or on a read-only mount.
    pub fn accessed(&self) {
        const O_NOATIME: u32 = 0o1000000;
        let Some(path) = &self.path else { return };
        if path.mount.readonly || *self.flags.lock() & O_NOATIME != 0 || !matches!(self.kind, Kind::Inode) {
            return;
        }
        touch_atime(&path.mount, &*self.node);
    }

    fn read_at_unchecked(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        if matches!(self.kind, Kind::Inode) {
            let n = super::filemap::read_at(&*self.node, offset, buf)?;
            self.accessed();
            return Ok(n);
        }
        match &self.kind {
            Kind::Proc { content, .. } => {
                let at = (offset as usize).min(content.len());
                let n = buf.len().min(content.len() - at);
                buf[..n].copy_from_slice(&content[at..at + n]);
                Ok(n)
            }
            Kind::Block(b) => b.read_at(offset, buf),
            _ => self.node.read_at(offset, buf),
        }
    }

    /// poll(2) readiness (POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16).
    pub fn poll(&self) -> u16 {
        const IN: u16 = 1;
        const OUT: u16 = 4;
        const ERR: u16 = 8;
        const HUP: u16 = 16;
        match &self.kind {
            Kind::Device(d) => d.poll(),
            Kind::Socket(s) => s.poll(),
            Kind::Pipe(p) => {
                if self.writable() {
                    (if p.writable() { OUT } else { 0 }) | if p.has_readers() { 0 } else { ERR }
                } else {
                    (if p.readable() { IN } else { 0 }) | if p.has_writers() { 0 } else { HUP }
                }
            }
            _ => IN | OUT,
        }
    }

    pub fn write(&self, src: &[u8]) -> Result<usize, Errno> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        match &self.kind {
            Kind::Device(d) => d.write(src, self.nonblock()),
            Kind::Pipe(p) => p.write(src, self.nonblock()),
            Kind::Socket(s) => s.sendmsg(crate::net::SendArgs {
                data: src,
                addr: None,
                control: Default::default(),
                flags: crate::net::MsgFlags::empty(),
                nonblock: self.nonblock(),
            }),
            Kind::Proc { node, .. } => node.write(src),
            Kind::Block(b) => {
                let mut off = self.offset.lock();
                let n = b.write_at(*off, src)?;
                *off += n as u64;
                Ok(n)
            }
            Kind::Inode => {
                let limit = crate::process::rlimit::fsize_limit();
                let mut off = self.offset.lock();
                if *self.flags.lock() & O_APPEND != 0 {
                    *off = self.node.getattr()?.size;
                }
                let len = self.fsize_clamp(limit, *off, src.len())?;
                crate::block::cache::make_room(len / 4096 + 1);
                let n = super::filemap::write_at(&*self.node, *off, &src[..len])?;
                *off += n as u64;
                Ok(n)
            }
        }
    }

    /// pwrite(2): at `offset` (at the end with O_APPEND, as Linux does),
    /// the file position untouched.
    pub fn pwrite(&self, offset: u64, src: &[u8]) -> Result<usize, Errno> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        match &self.kind {
            Kind::Pipe(_) | Kind::Socket(_) => Err(Errno::ESPIPE),
            Kind::Device(d) if d.tty().is_some() => Err(Errno::ESPIPE),
            Kind::Device(d) => d.write(src, self.nonblock()),
            Kind::Proc { node, .. } => node.write(src),
            Kind::Block(b) => b.write_at(offset, src),
            Kind::Inode => {
                let limit = crate::process::rlimit::fsize_limit();
                let at = if *self.flags.lock() & O_APPEND != 0 { self.node.getattr()?.size } else { offset };
                let len = self.fsize_clamp(limit, at, src.len())?;
                crate::block::cache::make_room(len / 4096 + 1);
                super::filemap::write_at(&*self.node, at, &src[..len])
            }
        }
    }

    /// RLIMIT_FSIZE applies to regular files only (Linux's
    /// generic_write_checks); a directory's write fails on its own.
    fn fsize_clamp(&self, limit: u64, at: u64, len: usize) -> Result<usize, Errno> {
        if self.node.getattr()?.file_type() == Some(FileType::Regular) {
            crate::process::rlimit::fsize_clamp(limit, at, len)
        } else {
            Ok(len)
        }
    }

    pub fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let attr = self.node.getattr()?;
        let size = match &self.kind {
            Kind::Proc { content, .. } => content.len() as u64,
            Kind::Pipe(_) | Kind::Socket(_) => return Err(Errno::ESPIPE),
            Kind::Device(_) => return Ok(0),
            Kind::Block(b) => b.size(),
            Kind::Inode => attr.size,
        };
        let mut off = self.offset.lock();
        let at = |o: i64| u64::try_from(o).map_err(|_| Errno::ENXIO);
        let new = match whence {
            SEEK_SET => offset,
            SEEK_CUR => (*off as i64).checked_add(offset).ok_or(Errno::EOVERFLOW)?,
            SEEK_END if !attr.is_dir() => (size as i64).checked_add(offset).ok_or(Errno::EOVERFLOW)?,
            SEEK_DATA if !attr.is_dir() => self.node.seek_data(at(offset)?)? as i64,
            SEEK_HOLE if !attr.is_dir() => self.node.seek_hole(at(offset)?)? as i64,
            _ => return Err(Errno::EINVAL),
        };
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        // A directory's position is a readdir cookie (telldir/seekdir).
        *off = new as u64;
        Ok(new as u64)
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        if self.has_ofd_locks.load(core::sync::atomic::Ordering::Relaxed) {
            super::lock::release(self.ofd_owner, &*self.node);
        }
        match &self.kind {
            Kind::Pipe(p) => p.close_end(*self.flags.lock() & O_ACCMODE != O_RDONLY),
            Kind::Device(Device::PtyMaster(p)) => p.closed(true),
            Kind::Device(Device::PtySlave(p)) => p.closed(false),
            Kind::Socket(s) => s.release(),
            _ => {}
        }
    }
}

#[derive(Clone)]
pub struct FdEntry {
    pub file: Arc<OpenFile>,
    pub cloexec: bool,
}

/// Most descriptors a process may hold (RLIMIT_NOFILE's ceiling).
pub const FD_MAX: usize = 4096;

#[derive(Clone)]
pub struct FdTable {
    fds: Vec<Option<FdEntry>>,
    /// RLIMIT_NOFILE's soft limit: descriptors are below it.
    nofile: usize,
}

impl Default for FdTable {
    fn default() -> Self {
        FdTable { fds: Vec::new(), nofile: 1024 }
    }
}

impl FdTable {
    pub fn get(&self, fd: u64) -> Result<Arc<OpenFile>, Errno> {
        self.fds.get(fd as usize).and_then(|e| e.as_ref()).map(|e| e.file.clone()).ok_or(Errno::EBADF)
    }

    pub fn entry_mut(&mut self, fd: u64) -> Result<&mut FdEntry, Errno> {
        self.fds.get_mut(fd as usize).and_then(|e| e.as_mut()).ok_or(Errno::EBADF)
    }

    /// setrlimit(RLIMIT_NOFILE): new descriptors stay below `limit`
    /// (those already open stay open).
    pub fn set_limit(&mut self, limit: u64) {
        self.nofile = limit.min(FD_MAX as u64) as usize;
    }

    /// The lowest free descriptor >= `min`: EMFILE when none is below
    /// RLIMIT_NOFILE; EINVAL when `min` itself is not (F_DUPFD).
    pub fn insert_from(&mut self, min: usize, file: Arc<OpenFile>, cloexec: bool) -> Result<usize, Errno> {
        if min > 0 && min >= self.nofile {
            return Err(Errno::EINVAL);
        }
        let fd = (min..self.nofile).find(|&i| self.fds.get(i).is_none_or(|e| e.is_none())).ok_or(Errno::EMFILE)?;
        self.set(fd, file, cloexec)?;
        Ok(fd)
    }

    pub fn insert(&mut self, file: Arc<OpenFile>, cloexec: bool) -> Result<usize, Errno> {
        self.insert_from(0, file, cloexec)
    }

    /// dup2/dup3: puts `file` at `fd` and returns the file it replaces,
    /// for the caller to release its record locks and drop once the
    /// process lock is no longer held (both may wait for a disk).
    pub fn replace(&mut self, fd: usize, file: Arc<OpenFile>, cloexec: bool) -> Result<Option<Arc<OpenFile>>, Errno> {
        if fd >= self.nofile {
            return Err(Errno::EBADF);
        }
        if self.fds.len() <= fd {
            let more = (fd + 1 - self.fds.len()) * core::mem::size_of::<Option<FdEntry>>();
            if !crate::mm::heap::has_room(more) {
                return Err(Errno::ENOMEM);
            }
            self.fds.resize(fd + 1, None);
        }
        Ok(self.fds[fd].replace(FdEntry { file, cloexec }).map(|old| old.file))
    }

    pub fn set(&mut self, fd: usize, file: Arc<OpenFile>, cloexec: bool) -> Result<(), Errno> {
        // Over an open descriptor it closes it: its record locks go.
        if let Some(old) = self.replace(fd, file, cloexec)? {
            super::lock::release(crate::process::current_pid(), &*old.node);
        }
        Ok(())
    }

    /// Closes `fd`; returns the file it held (the caller drops it, and
    /// the process's record locks on it).
    pub fn close(&mut self, fd: u64) -> Result<Arc<OpenFile>, Errno> {
        let slot = self.fds.get_mut(fd as usize).ok_or(Errno::EBADF)?;
        slot.take().map(|e| e.file).ok_or(Errno::EBADF)
    }

    /// execve: close-on-exec descriptors go; returns their files.
    pub fn close_on_exec(&mut self) -> Vec<Arc<OpenFile>> {
        let mut closed = Vec::new();
        for slot in &mut self.fds {
            if slot.as_ref().is_some_and(|e| e.cloexec) {
                closed.extend(slot.take().map(|e| e.file));
            }
        }
        closed
    }
}
