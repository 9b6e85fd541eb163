//! ext2 on a block device: the vfs `FileSystem`/`Inode` traits over
//! `kernel-ext2`. One handle per inode number (a table of weak
//! references), so the last `Arc` of a handle is the last user of the
//! inode. Its drop does no I/O (it may run anywhere, even under the process
//! table's lock, as when dup2 closes a file): an unlinked inode is queued,
//! and the next operation, sync or unmount `release`s it (its storage is
//! freed then, orphan list included). The filesystem sits behind a sleeping lock:
//! its operations wait for the disk, and a process waiting for the disk
//! must not hold a spinlock another process could spin on.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;

use kernel_abi::Errno;
use kernel_ext2::{BlockDevice, DeviceError, Ext2, Ino, MountOptions, MountWarning, NewInode};
use kernel_vfs::{Attr, DirEntry, FileSystem, FileType, Inode, Owner, SetAttr, StatFs, Time};
use spin::Mutex;

use crate::block::BlockDev;
use crate::process::sleep_lock::SleepLock;

type Result<T> = core::result::Result<T, Errno>;

/// ext2's magic, as statfs(2) reports it.
const EXT2_MAGIC: u64 = 0xef53;

/// A partition or disk as `kernel-ext2` sees it.
pub struct Device(Arc<BlockDev>);

impl BlockDevice for Device {
    fn sector_count(&self) -> u64 {
        self.0.sectors
    }
    fn read_sectors(&mut self, first: u64, buf: &mut [u8]) -> core::result::Result<(), DeviceError> {
        let count = (buf.len() / 512) as u64;
        if first.checked_add(count).is_none_or(|end| end > self.0.sectors) {
            return Err(DeviceError::OutOfRange);
        }
        crate::block::cache::read(&self.0.disk, self.0.start + first, buf).map_err(|_| DeviceError::Io)
    }
    fn write_sectors(&mut self, first: u64, buf: &[u8]) -> core::result::Result<(), DeviceError> {
        let count = (buf.len() / 512) as u64;
        if first.checked_add(count).is_none_or(|end| end > self.0.sectors) {
            return Err(DeviceError::OutOfRange);
        }
        crate::block::cache::write(&self.0.disk, self.0.start + first, buf).map_err(|_| DeviceError::Io)
    }
    fn flush(&mut self) -> core::result::Result<(), DeviceError> {
        crate::block::cache::sync_disk(&self.0.disk).map_err(|_| DeviceError::Io)
    }
}

pub struct Ext2Fs {
    /// None once unmounted (the last reference went).
    fs: SleepLock<Option<Ext2<Device>>>,
    dev: u64,
    handles: Mutex<BTreeMap<Ino, Weak<Ext2Inode>>>,
    /// Inodes whose last name went while a handle lived.
    unlinked: Mutex<BTreeSet<Ino>>,
    /// Unlinked inodes whose last handle went: to `release`.
    to_release: Mutex<Vec<Ino>>,
    this: Weak<Ext2Fs>,
    name: String,
    synchronous: bool,
}

pub struct Ext2Inode {
    fs: Arc<Ext2Fs>,
    ino: Ino,
}

fn seconds() -> u32 {
    super::clock().sec as u32
}

fn time(t: u32, nsec: u32) -> Time {
    Time { sec: i64::from(t), nsec }
}

fn kind(t: kernel_ext2::FileType) -> FileType {
    match t {
        kernel_ext2::FileType::Regular => FileType::Regular,
        kernel_ext2::FileType::Directory => FileType::Directory,
        kernel_ext2::FileType::Symlink => FileType::Symlink,
        kernel_ext2::FileType::CharDevice => FileType::CharDevice,
        kernel_ext2::FileType::BlockDevice => FileType::BlockDevice,
        kernel_ext2::FileType::Fifo => FileType::Fifo,
        kernel_ext2::FileType::Socket => FileType::Socket,
    }
}

/// Mounts the ext2 filesystem on `block` (`st_dev` = the device's numbers).
/// `synchronous` (MS_SYNCHRONOUS, MS_DIRSYNC): every change is written
/// back (the whole filesystem, then FLUSH) before its call returns.
pub fn mount(block: Arc<BlockDev>, read_only: bool, synchronous: bool) -> Result<Arc<Ext2Fs>> {
    let name = block.name.clone();
    let dev = super::encode_dev(block.major, block.minor);
    let (fs, warnings) = Ext2::mount(Device(block), MountOptions { read_only, clock: seconds }).map_err(|e| {
        printk!(crate::printk::LEVEL_ERR, "EXT2-fs ({name}): cannot mount: {e:?}");
        Errno::from(e)
    })?;
    for w in warnings {
        let what = match w {
            MountWarning::Unchecked => "warning: mounting unchecked fs, running e2fsck is recommended",
            MountWarning::HasErrors => "warning: mounting fs with errors, running e2fsck is recommended",
            MountWarning::MaxMountCount => "warning: maximal mount count reached, running e2fsck is recommended",
            _ => "warning: checktime reached, running e2fsck is recommended",
        };
        printk!(crate::printk::LEVEL_WARNING, "EXT2-fs ({name}): {what}");
    }
    Ok(Arc::new_cyclic(|this| Ext2Fs {
        fs: SleepLock::new(Some(fs)),
        dev,
        handles: Mutex::new(BTreeMap::new()),
        unlinked: Mutex::new(BTreeSet::new()),
        to_release: Mutex::new(Vec::new()),
        this: this.clone(),
        name,
        synchronous,
    }))
}

impl Ext2Fs {
    fn run<T>(&self, f: impl FnOnce(&mut Ext2<Device>) -> kernel_ext2::Result<T>) -> Result<T> {
        let mut guard = self.fs.lock();
        let fs = guard.as_mut().ok_or(Errno::EIO)?;
        self.release_pending(fs);
        f(fs).map_err(Errno::from)
    }

    /// An operation that changes the filesystem: on a synchronous mount
    /// the change is written back before the call returns.
    fn change<T>(&self, f: impl FnOnce(&mut Ext2<Device>) -> kernel_ext2::Result<T>) -> Result<T> {
        let r = self.run(f)?;
        if self.synchronous {
            self.run(|fs| fs.sync())?;
        }
        Ok(r)
    }

    fn release_pending(&self, fs: &mut Ext2<Device>) {
        let pending = core::mem::take(&mut *self.to_release.lock());
        for ino in pending {
            if let Err(e) = fs.release(ino) {
                printk!(crate::printk::LEVEL_ERR, "EXT2-fs ({}): releasing inode {ino}: {e:?}", self.name);
            }
        }
    }

    /// An operation that may have removed the last name of an inode.
    fn removed(&self, gone: Option<Ino>) {
        if let Some(ino) = gone {
            let live = self.handles.lock().get(&ino).is_some_and(|w| w.strong_count() > 0);
            if live {
                self.unlinked.lock().insert(ino);
            } else {
                self.to_release.lock().push(ino);
            }
        }
    }

    /// The one handle of inode `ino`.
    fn handle(&self, ino: Ino) -> Arc<dyn Inode> {
        let mut handles = self.handles.lock();
        if let Some(h) = handles.get(&ino).and_then(Weak::upgrade) {
            return h;
        }
        let fs = self.this.upgrade().expect("a filesystem with live inodes");
        let h = Arc::new(Ext2Inode { fs, ino });
        handles.insert(ino, Arc::downgrade(&h));
        h
    }

    /// Unmounts: the superblock is written clean, the disk written back and
    /// FLUSHed, its clean pages dropped from the cache.
    pub fn unmount(&self) -> Result<()> {
        let mut guard = self.fs.lock();
        if let Some(fs) = guard.as_mut() {
            self.release_pending(fs);
        }
        match guard.take() {
            // As on Linux (the last close of the block device), the disk's
            // clean cached pages go with the filesystem.
            Some(fs) => fs.unmount().map_err(Errno::from).and_then(|dev| crate::block::cache::invalidate(&dev.0.disk)),
            None => Ok(()),
        }
    }
}

impl Drop for Ext2Fs {
    fn drop(&mut self) {
        if let Err(e) = self.unmount() {
            printk!(crate::printk::LEVEL_ERR, "EXT2-fs ({}): unmount failed: {}", self.name, e.name());
        }
    }
}

impl FileSystem for Ext2Fs {
    fn root(&self) -> Arc<dyn Inode> {
        self.handle(kernel_ext2::ROOT_INO)
    }

    fn dev(&self) -> u64 {
        self.dev
    }

    fn statfs(&self) -> StatFs {
        let guard = self.fs.lock();
        let Some(fs) = guard.as_ref() else { return StatFs::default() };
        let s = fs.statfs();
        StatFs {
            magic: EXT2_MAGIC,
            block_size: u64::from(s.block_size),
            blocks: s.blocks,
            blocks_free: s.free_blocks,
            files: s.files,
            files_free: s.free_files,
            name_max: u64::from(s.name_max),
        }
    }

    fn sync(&self) -> Result<()> {
        self.run(|fs| fs.sync())
    }
}

fn name_of(name: &str) -> &[u8] {
    name.as_bytes()
}

impl Ext2Inode {
    fn new_inode(owner: Owner, perm: u32) -> NewInode {
        NewInode { perm: (perm & 0o7777) as u16, uid: owner.uid, gid: owner.gid }
    }

    fn other<'a>(&self, other: &'a dyn Inode) -> Result<&'a Ext2Inode> {
        let o = other.as_any().downcast_ref::<Ext2Inode>().ok_or(Errno::EXDEV)?;
        if !Arc::ptr_eq(&o.fs, &self.fs) {
            return Err(Errno::EXDEV);
        }
        Ok(o)
    }
}

impl Drop for Ext2Inode {
    fn drop(&mut self) {
        {
            let mut handles = self.fs.handles.lock();
            if handles.get(&self.ino).is_some_and(|w| w.strong_count() == 0) {
                handles.remove(&self.ino);
            }
        }
        if self.fs.unlinked.lock().remove(&self.ino) {
            self.fs.to_release.lock().push(self.ino);
        }
    }
}

impl Inode for Ext2Inode {
    fn ino(&self) -> u64 {
        u64::from(self.ino)
    }

    fn getattr(&self) -> Result<Attr> {
        let a = self.fs.run(|fs| fs.getattr(self.ino))?;
        Ok(Attr {
            dev: self.fs.dev,
            ino: u64::from(a.ino),
            mode: u32::from(a.mode),
            nlink: u32::from(a.nlink),
            uid: a.uid,
            gid: a.gid,
            rdev: a.rdev,
            size: a.size,
            blocks: a.blocks,
            atime: time(a.atime, a.atime_nsec),
            mtime: time(a.mtime, a.mtime_nsec),
            ctime: time(a.ctime, a.ctime_nsec),
        })
    }

    fn setattr(&self, change: &SetAttr) -> Result<()> {
        let c = kernel_ext2::SetAttr {
            mode: change.perm.map(|p| (p & 0o7777) as u16),
            uid: change.uid,
            gid: change.gid,
            size: change.size,
            atime: change.atime.map(|t| t.sec as u32),
            mtime: change.mtime.map(|t| t.sec as u32),
            ctime: None,
            atime_nsec: change.atime.map_or(0, |t| t.nsec),
            mtime_nsec: change.mtime.map_or(0, |t| t.nsec),
        };
        self.fs.change(|fs| fs.setattr(self.ino, &c)).map(|_| ())
    }

    fn lookup(&self, name: &str) -> Result<Arc<dyn Inode>> {
        let ino = self.fs.run(|fs| fs.lookup(self.ino, name_of(name)))?;
        Ok(self.fs.handle(ino))
    }

    fn create(&self, name: &str, mode: u32, owner: Owner, rdev: (u32, u32)) -> Result<Arc<dyn Inode>> {
        let new = Self::new_inode(owner, mode);
        let ino = match FileType::from_mode(mode) {
            Some(FileType::Regular) => self.fs.change(|fs| fs.create(self.ino, name_of(name), new))?,
            Some(FileType::CharDevice) => {
                self.fs.change(|fs| fs.mknod(self.ino, name_of(name), kernel_ext2::FileType::CharDevice, new, rdev))?
            }
            Some(FileType::BlockDevice) => {
                self.fs.change(|fs| fs.mknod(self.ino, name_of(name), kernel_ext2::FileType::BlockDevice, new, rdev))?
            }
            Some(FileType::Fifo) => {
                self.fs.change(|fs| fs.mknod(self.ino, name_of(name), kernel_ext2::FileType::Fifo, new, rdev))?
            }
            Some(FileType::Socket) => {
                self.fs.change(|fs| fs.mknod(self.ino, name_of(name), kernel_ext2::FileType::Socket, new, rdev))?
            }
            _ => return Err(Errno::EINVAL),
        };
        Ok(self.fs.handle(ino))
    }

    fn mkdir(&self, name: &str, perm: u32, owner: Owner) -> Result<Arc<dyn Inode>> {
        let ino = self.fs.change(|fs| fs.mkdir(self.ino, name_of(name), Self::new_inode(owner, perm)))?;
        Ok(self.fs.handle(ino))
    }

    fn symlink(&self, name: &str, target: &str, owner: Owner) -> Result<Arc<dyn Inode>> {
        let new = Self::new_inode(owner, 0o777);
        let ino = self.fs.change(|fs| fs.symlink(self.ino, name_of(name), target.as_bytes(), new))?;
        Ok(self.fs.handle(ino))
    }

    fn link(&self, name: &str, target: &dyn Inode) -> Result<()> {
        let t = self.other(target)?;
        self.fs.change(|fs| fs.link(t.ino, self.ino, name_of(name)))
    }

    fn unlink(&self, name: &str) -> Result<()> {
        let gone = self.fs.change(|fs| fs.unlink(self.ino, name_of(name)))?;
        self.fs.removed(gone);
        Ok(())
    }

    fn rmdir(&self, name: &str) -> Result<()> {
        let gone = self.fs.change(|fs| fs.rmdir(self.ino, name_of(name)))?;
        self.fs.removed(gone);
        Ok(())
    }

    fn rename(&self, old: &str, new_dir: &dyn Inode, new: &str) -> Result<()> {
        let d = self.other(new_dir)?;
        let gone = self.fs.change(|fs| fs.rename(self.ino, name_of(old), d.ino, name_of(new)))?;
        self.fs.removed(gone);
        Ok(())
    }

    fn exchange(&self, old: &str, new_dir: &dyn Inode, new: &str) -> Result<()> {
        let d = self.other(new_dir)?;
        self.fs.change(|fs| fs.exchange(self.ino, name_of(old), d.ino, name_of(new)))
    }

    fn readdir(&self, cookie: u64, emit: &mut dyn FnMut(DirEntry) -> bool) -> Result<()> {
        // Entries are collected in batches: `emit` may do anything, the
        // lock must not be held across it.
        const BATCH: usize = 256;
        let mut cookie = cookie;
        loop {
            let mut entries: Vec<(u64, Option<kernel_ext2::FileType>, String, u64)> = Vec::new();
            self.fs.run(|fs| {
                fs.readdir(self.ino, cookie, &mut |e| {
                    entries.push((
                        u64::from(e.ino),
                        e.file_type,
                        String::from_utf8_lossy(&e.name).into_owned(),
                        e.next,
                    ));
                    entries.len() < BATCH
                })
            })?;
            let full = entries.len() == BATCH;
            for (ino, t, name, next) in entries {
                let kind = match t {
                    Some(t) => kind(t),
                    None => self.fs.run(|fs| fs.getattr(ino as Ino)).map(|a| kind(a.file_type))?,
                };
                if !emit(DirEntry { ino, kind, name: &name, next }) {
                    return Ok(());
                }
                cookie = next;
            }
            if !full {
                return Ok(());
            }
        }
    }

    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.fs.run(|fs| fs.read_at(self.ino, offset, buf))
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        self.fs.change(|fs| fs.write_at(self.ino, offset, buf))
    }

    fn readlink(&self) -> Result<String> {
        let target = self.fs.run(|fs| fs.readlink(self.ino))?;
        Ok(String::from_utf8_lossy(&target).into_owned())
    }

    fn sync(&self) -> Result<()> {
        self.fs.run(|fs| fs.sync())
    }

    fn seek_data(&self, offset: u64) -> Result<u64> {
        self.fs.run(|fs| fs.seek(self.ino, offset, true))?.ok_or(Errno::ENXIO)
    }

    fn seek_hole(&self, offset: u64) -> Result<u64> {
        self.fs.run(|fs| fs.seek(self.ino, offset, false))?.ok_or(Errno::ENXIO)
    }

    fn touch_atime(&self, atime: Time) -> Result<()> {
        self.fs.run(|fs| fs.touch_atime(self.ino, atime.sec as u32, atime.nsec))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
