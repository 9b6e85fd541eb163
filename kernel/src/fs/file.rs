//! Open files and the per-process descriptor table.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use spin::Mutex;

use super::dev::Device;
use super::inode::{Data, Inode, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG};

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

pub struct OpenFile {
    pub node: Arc<Inode>,
    pub flags: Mutex<u32>,
    pub offset: Mutex<u64>,
    /// procfs: the content captured at open.
    snapshot: Option<Vec<u8>>,
    /// Directories: the last name getdents returned (entries removed or
    /// added meanwhile do not shift the position).
    pub dir_cursor: Mutex<Option<String>>,
    pub path: String,
}

impl OpenFile {
    pub fn new(node: Arc<Inode>, flags: u32, path: String) -> Arc<OpenFile> {
        let snapshot = match &*node.data.lock() {
            Data::Proc(p) if !p.is_dir() => Some(p.content()),
            Data::Pipe(p) => {
                p.open_end(flags & O_ACCMODE != O_RDONLY);
                None
            }
            Data::Device(Device::PtyMaster(p)) => {
                p.opened(true);
                None
            }
            Data::Device(Device::PtySlave(p)) => {
                p.opened(false);
                None
            }
            _ => None,
        };
        Arc::new(OpenFile {
            node,
            flags: Mutex::new(flags),
            offset: Mutex::new(0),
            snapshot,
            dir_cursor: Mutex::new(None),
            path,
        })
    }

    pub fn readable(&self) -> bool {
        *self.flags.lock() & O_ACCMODE != O_WRONLY
    }

    pub fn writable(&self) -> bool {
        *self.flags.lock() & O_ACCMODE != O_RDONLY
    }

    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        let nonblock = *self.flags.lock() & O_NONBLOCK != 0;
        if let Some(snap) = &self.snapshot {
            return Ok(read_at(snap, &mut self.offset.lock(), buf));
        }
        let data = self.node.data.lock();
        match &*data {
            Data::File(v) => Ok(read_at(v, &mut self.offset.lock(), buf)),
            Data::Dir(_) | Data::Proc(_) => Err(Errno::EISDIR),
            Data::Device(d) => {
                let d = d.clone();
                drop(data);
                d.read(buf, nonblock)
            }
            Data::Pipe(p) => {
                let p = p.clone();
                drop(data);
                p.read(buf, nonblock)
            }
            Data::Symlink(_) => Err(Errno::EINVAL),
        }
    }

    /// poll(2) readiness (POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16).
    pub fn poll(&self) -> u16 {
        const IN: u16 = 1;
        const OUT: u16 = 4;
        const ERR: u16 = 8;
        const HUP: u16 = 16;
        match &*self.node.data.lock() {
            Data::Device(d) => d.poll(),
            Data::Pipe(p) => {
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
        let append = *self.flags.lock() & O_APPEND != 0;
        let mut data = self.node.data.lock();
        let n = match &mut *data {
            Data::File(v) => {
                let mut off = self.offset.lock();
                if append {
                    *off = v.len() as u64;
                }
                let at = *off as usize;
                let end = at.checked_add(src.len()).ok_or(Errno::EFBIG)?;
                if end > v.len() {
                    grow_file(v, end)?;
                }
                v[at..end].copy_from_slice(src);
                *off = end as u64;
                src.len()
            }
            Data::Dir(_) => return Err(Errno::EISDIR),
            Data::Device(d) => {
                let d = d.clone();
                drop(data);
                let nonblock = *self.flags.lock() & O_NONBLOCK != 0;
                return d.write(src, nonblock);
            }
            Data::Proc(p) => {
                let p = *p;
                drop(data);
                return p.write(src);
            }
            Data::Pipe(p) => {
                let p = p.clone();
                drop(data);
                let nonblock = *self.flags.lock() & O_NONBLOCK != 0;
                return p.write(src, nonblock);
            }
            Data::Symlink(_) => return Err(Errno::EINVAL),
        };
        drop(data);
        self.node.touch();
        Ok(n)
    }

    pub fn seek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        let size = match &self.snapshot {
            Some(s) => s.len() as u64,
            None => match self.node.mode() & S_IFMT {
                S_IFREG | S_IFDIR | S_IFLNK => self.node.size(),
                S_IFCHR => return Ok(0),
                _ => return Err(Errno::ESPIPE),
            },
        };
        let mut off = self.offset.lock();
        let base = match whence {
            0 => 0,
            1 => *off as i64,
            2 => size as i64,
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).filter(|n| *n >= 0).ok_or(Errno::EINVAL)?;
        *off = new as u64;
        if new == 0 {
            // rewinddir
            *self.dir_cursor.lock() = None;
        }
        Ok(new as u64)
    }

    /// Directory entries `(ino, type, name)`: `.` and `..`, then at most
    /// `max` names sorted after `after` (bounded, so listing a huge
    /// directory never needs a heap allocation the size of the directory).
    pub fn dir_entries(&self, after: Option<&str>, max: usize) -> Result<Vec<(u64, u8, String)>, Errno> {
        use core::ops::Bound;
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        const DT_DIR: u8 = 4;
        const DT_REG: u8 = 8;
        const DT_LNK: u8 = 10;
        const DT_CHR: u8 = 2;
        let dt = |mode: u32| match mode & S_IFMT {
            S_IFDIR => DT_DIR,
            S_IFLNK => DT_LNK,
            S_IFCHR => DT_CHR,
            _ => DT_REG,
        };
        let mut out = alloc::vec![(self.node.ino, DT_DIR, ".".into()), (self.node.ino, DT_DIR, "..".into())];
        match &*self.node.data.lock() {
            Data::Dir(entries) => {
                for (name, n) in entries.range::<str, _>((from, Bound::Unbounded)).take(max) {
                    out.push((n.ino, dt(n.mode()), name.clone()));
                }
            }
            Data::Proc(p) if p.is_dir() => {
                let mut list = p.list();
                list.sort();
                for (i, (name, is_dir)) in list.into_iter().enumerate() {
                    if after.is_none_or(|a| name.as_str() > a) && out.len() < max + 2 {
                        out.push((1000 + i as u64, if is_dir { DT_DIR } else { DT_REG }, name));
                    }
                }
            }
            _ => return Err(Errno::ENOTDIR),
        }
        Ok(out)
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        let data = self.node.data.lock();
        match &*data {
            Data::Pipe(p) => p.close_end(*self.flags.lock() & O_ACCMODE != O_RDONLY),
            Data::Device(Device::PtyMaster(p)) | Data::Device(Device::PtySlave(p)) => {
                let (p, master) = (p.clone(), matches!(&*data, Data::Device(Device::PtyMaster(_))));
                // Not under the node's lock: a hang-up removes /dev/pts/N.
                drop(data);
                p.closed(master);
            }
            _ => {}
        }
    }
}

fn read_at(data: &[u8], off: &mut u64, buf: &mut [u8]) -> usize {
    let at = (*off as usize).min(data.len());
    let n = buf.len().min(data.len() - at);
    buf[..n].copy_from_slice(&data[at..at + n]);
    *off += n as u64;
    n
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

    pub fn set(&mut self, fd: usize, file: Arc<OpenFile>, cloexec: bool) -> Result<(), Errno> {
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
        let old = self.fds[fd].replace(FdEntry { file, cloexec });
        // dup2 over an open descriptor closes it: its record locks go.
        if let Some(old) = old {
            super::lock::release(crate::process::current_pid(), &old.file.node);
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

/// Grows tmpfs file data to `len` bytes (zero-filled). The data lives in
/// the kernel heap, so a file may only grow while the heap keeps its
/// reserve and the filesystems' slack (`fs::check_space`); otherwise ENOSPC
/// (the filesystem is full), never a panic.
pub fn grow_file(v: &mut alloc::vec::Vec<u8>, len: usize) -> Result<(), Errno> {
    if len > v.capacity() {
        // Doubling keeps appends linear; near the limit, grow exactly.
        // (A reallocation holds old and new blocks at once: `len` more is
        // the conservative need.)
        let doubled = len.max(v.capacity().saturating_mul(2));
        if super::check_space(doubled).is_ok() {
            v.try_reserve(len - v.len()).map_err(|_| Errno::ENOSPC)?;
        } else {
            super::check_space(len)?;
            v.try_reserve_exact(len - v.len()).map_err(|_| Errno::ENOSPC)?;
        }
    }
    v.resize(len, 0);
    Ok(())
}
