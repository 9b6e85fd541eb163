//! ext2 (revision 1) for the kernel, read-write, behind a [`BlockDevice`].
//!
//! Features: 1, 2 and 4 KiB blocks; `sparse_super`, `filetype`,
//! `large_file`; direct, single, double and triple indirect blocks and
//! holes; linear directories (an htree index, a COMPAT feature, is dropped
//! from a directory we change, as Linux's ext2 does); fast and slow
//! symlinks; hard links; device nodes, FIFOs and sockets; the orphan list;
//! mount state and counts as Linux keeps them. Unknown INCOMPAT features
//! refuse the mount, unknown RO_COMPAT features mount read-only.
//!
//! Written here rather than taken from a crate: no permissively licensed
//! `no_std` crate writes ext2 (see `docs/ARCHITECTURE.md`).
//!
//! Superblock, group descriptors and bitmaps live in memory and reach the
//! disk at [`Ext2::sync`] or [`Ext2::unmount`]; inodes, directories and data
//! are written as each operation runs (the kernel's block cache batches
//! them). Operations take inode numbers: the VFS holds inodes by number.
//! Kept in memory between operations, and kept true by the code that
//! changes what they describe: a few parsed indirect blocks, the inode
//! used last, and an index of the directories used last (`dirindex.rs`).
//! The device must not be written behind the mounted filesystem's back
//! (Linux's inode cache makes the same demand).
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod allocate;
mod bmap;
mod bytes;
mod device;
mod dir;
mod dirindex;
mod error;
mod file;
mod fs;
mod inode;
mod ops;
mod orphan;
mod superblock;

pub use device::{BlockDevice, DeviceError, MemDevice, SECTOR_SIZE};
pub use dir::DirEntry;
pub use error::{Error, Result};
pub use fs::{Ext2, MountOptions, MountWarning, StatFs};
pub use inode::{FileType, Ino, ROOT_INO};
pub use ops::{Attr, NewInode, SetAttr, LINK_MAX};
pub use superblock::{feature, STATE_ERRORS, STATE_VALID};
