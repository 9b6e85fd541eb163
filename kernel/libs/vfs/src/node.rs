//! The interface every filesystem implements: an inode with the
//! operations Linux's `inode_operations`/`file_operations` give a disk
//! filesystem. Names are single components (never `.`, `..` or with a
//! `/`: the VFS resolves those); permission checks are the VFS's, so an
//! implementation only keeps its on-disk (or in-memory) structure right.

use alloc::string::String;
use alloc::sync::Arc;
use core::any::Any;

use kernel_abi::Errno;

pub type Result<T> = core::result::Result<T, Errno>;

pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;
pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;

/// What kind of file an inode is (the `S_IFMT` part of its mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl FileType {
    pub fn from_mode(mode: u32) -> Option<FileType> {
        Some(match mode & S_IFMT {
            S_IFREG => FileType::Regular,
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDevice,
            S_IFBLK => FileType::BlockDevice,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => return None,
        })
    }

    /// The `S_IFMT` bits.
    pub fn mode_bits(self) -> u32 {
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDevice => S_IFCHR,
            FileType::BlockDevice => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }

    /// `d_type` of getdents64 (`DT_*`).
    pub fn dirent_type(self) -> u8 {
        match self {
            FileType::Fifo => 1,
            FileType::CharDevice => 2,
            FileType::Directory => 4,
            FileType::BlockDevice => 6,
            FileType::Regular => 8,
            FileType::Symlink => 10,
            FileType::Socket => 12,
        }
    }
}

/// A point in time as stat(2) reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time {
    pub sec: i64,
    pub nsec: u32,
}

impl Time {
    pub fn from_ns(ns: u64) -> Time {
        Time { sec: (ns / 1_000_000_000) as i64, nsec: (ns % 1_000_000_000) as u32 }
    }
}

/// An inode's attributes (`struct stat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    /// `st_dev`: the filesystem's.
    pub dev: u64,
    pub ino: u64,
    /// Type and permission bits, as `st_mode`.
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// Device numbers of a device node `(major, minor)`.
    pub rdev: (u32, u32),
    pub size: u64,
    /// Storage in 512-byte units, as `st_blocks`.
    pub blocks: u64,
    pub atime: Time,
    pub mtime: Time,
    pub ctime: Time,
}

impl Attr {
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode)
    }

    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
}

/// A change to an inode's attributes (Linux's `struct iattr`): only the
/// fields that are `Some` change; the filesystem sets ctime itself.
/// `size` truncates or extends (with a hole) a regular file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits (`0o7777`); the type never changes.
    pub perm: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub size: Option<u64>,
    pub atime: Option<Time>,
    pub mtime: Option<Time>,
}

/// Who owns a new inode (the VFS decides, as Linux's `inode_init_owner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

/// One directory entry from `readdir`. `next` is the cookie that resumes
/// after it (getdents64's `d_off`; lseek on the directory takes it back).
#[derive(Debug, Clone, Copy)]
pub struct DirEntry<'a> {
    pub ino: u64,
    pub kind: FileType,
    pub name: &'a str,
    pub next: u64,
}

/// What fallocate(2) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallocate {
    /// Mode 0, or FALLOC_FL_KEEP_SIZE.
    Allocate { keep_size: bool },
    /// FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE: the range reads as zeros
    /// and holds no storage; the size stays.
    PunchHole,
}

/// Free and total space, as statfs(2) reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatFs {
    pub magic: u64,
    pub block_size: u64,
    pub blocks: u64,
    pub blocks_free: u64,
    pub files: u64,
    pub files_free: u64,
    pub name_max: u64,
}

/// An inode. Directory operations fail with ENOTDIR on other kinds, data
/// operations with EISDIR on directories and EINVAL where Linux has none
/// (the defaults below); a filesystem overrides what it supports.
///
/// Cross-inode operations (`link`, `rename`) get the other inode as
/// `&dyn Inode`: an implementation downcasts it (`as_any`) to its own
/// type and returns EXDEV if it is not one of its own.
///
/// Lifetime: the VFS holds an `Arc` for as long as an inode is in use (an
/// open file, a working directory, a walk in progress), so a filesystem
/// that frees an unlinked inode's storage (ext2's orphans) does it when
/// the last `Arc` of its handle drops; one that hands out several handles
/// per inode number keeps them counted itself.
pub trait Inode: Send + Sync {
    /// The inode number (`st_ino`), stable while the inode exists.
    fn ino(&self) -> u64;

    /// The attributes (an I/O error for a filesystem on a device).
    fn getattr(&self) -> Result<Attr>;

    /// Applies `change` (after the VFS checked who may make it).
    fn setattr(&self, change: &SetAttr) -> Result<()>;

    /// The child called `name` (ENOENT if none).
    fn lookup(&self, _name: &str) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    /// A new non-directory, non-symlink inode called `name`: `mode` holds
    /// its type (regular, device, FIFO, socket) and permissions; `rdev`
    /// is a device node's numbers. EEXIST if the name is taken.
    /// Whether looking up a name this directory does not hold is itself an
    /// error: Linux's procfs directories answer ENOENT from their lookup,
    /// so a new name there fails with ENOENT before any other check (link
    /// across filesystems included); other filesystems give a negative
    /// entry and the call goes on.
    fn lookup_missing_fails(&self) -> bool {
        false
    }

    fn create(&self, _name: &str, _mode: u32, _owner: Owner, _rdev: (u32, u32)) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    fn mkdir(&self, _name: &str, _perm: u32, _owner: Owner) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    fn symlink(&self, _name: &str, _target: &str, _owner: Owner) -> Result<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    /// A new name for `target` (never a directory: the VFS refuses those).
    fn link(&self, _name: &str, _target: &dyn Inode) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Removes a non-directory entry.
    fn unlink(&self, _name: &str) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Removes an empty directory (ENOTEMPTY otherwise).
    fn rmdir(&self, _name: &str) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Moves entry `old` of this directory to `new` in `new_dir`,
    /// replacing what is there. The VFS has checked the types match
    /// (directory for directory), that a replaced directory is empty
    /// according to the VFS's view, and that `new_dir` is not inside the
    /// moved directory; the filesystem still refuses a non-empty target
    /// (ENOTEMPTY) and fixes a moved directory's `..`.
    fn rename(&self, _old: &str, _new_dir: &dyn Inode, _new: &str) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// renameat2 RENAME_EXCHANGE: entry `old` of this directory and `new`
    /// of `new_dir` swap places (both exist; the VFS checked the rest).
    /// EINVAL where the filesystem cannot do it atomically.
    fn exchange(&self, _old: &str, _new_dir: &dyn Inode, _new: &str) -> Result<()> {
        Err(Errno::EINVAL)
    }

    /// Calls `emit` for the entries from position `cookie` on (0: the
    /// start, `.` and `..` included) until it returns false or the
    /// directory ends.
    fn readdir(&self, _cookie: u64, _emit: &mut dyn FnMut(DirEntry) -> bool) -> Result<()> {
        Err(Errno::ENOTDIR)
    }

    /// Reads at `offset`; 0 at or past the end.
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> Result<usize> {
        Err(self.not_data())
    }

    /// Writes at `offset`, extending the file; a short count when space
    /// ran out after some bytes, ENOSPC when none could be written.
    fn write_at(&self, _offset: u64, _buf: &[u8]) -> Result<usize> {
        Err(self.not_data())
    }

    /// fallocate(2) on a regular file: space for `[offset, offset + len)`
    /// (the size grows to cover it unless `Allocate::keep_size`), or a
    /// hole punched there. EOPNOTSUPP where the filesystem has no such
    /// operation.
    fn fallocate(&self, _how: Fallocate, _offset: u64, _len: u64) -> Result<()> {
        Err(Errno::EOPNOTSUPP)
    }

    /// A symlink's target (EINVAL for anything else).
    fn readlink(&self) -> Result<String> {
        Err(Errno::EINVAL)
    }

    /// lseek SEEK_DATA: the first data offset at or after `offset` (ENXIO
    /// at or past the end). Without hole tracking the whole file is data.
    fn seek_data(&self, offset: u64) -> Result<u64> {
        if offset >= self.getattr()?.size {
            return Err(Errno::ENXIO);
        }
        Ok(offset)
    }

    /// lseek SEEK_HOLE: the first hole at or after `offset`; the end of
    /// the file counts as one.
    fn seek_hole(&self, offset: u64) -> Result<u64> {
        let size = self.getattr()?.size;
        if offset >= size {
            return Err(Errno::ENXIO);
        }
        Ok(size)
    }

    /// Writes this inode's dirty data and metadata to the device.
    fn sync(&self) -> Result<()> {
        Ok(())
    }

    /// A read's access-time update: atime alone, ctime untouched (the
    /// kernel decides when, by the mount's atime policy: relatime unless
    /// noatime or strictatime). Nothing for inodes without times.
    fn touch_atime(&self, _atime: Time) -> Result<()> {
        Ok(())
    }

    /// For downcasting to the implementation (`link`, `rename`, and the
    /// kernel's special nodes).
    fn as_any(&self) -> &dyn Any;

    /// The error a data operation gets on this kind of inode.
    fn not_data(&self) -> Errno {
        if self.getattr().is_ok_and(|a| a.is_dir()) {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        }
    }
}

/// A filesystem instance (Linux's superblock operations).
pub trait FileSystem: Send + Sync {
    fn root(&self) -> Arc<dyn Inode>;

    /// `st_dev` of every inode in it.
    fn dev(&self) -> u64;

    fn statfs(&self) -> StatFs;

    /// Writes everything dirty (sync(2), umount).
    fn sync(&self) -> Result<()> {
        Ok(())
    }
}
