//! The filesystem core: the `Inode`/`FileSystem` traits every filesystem
//! implements (tmpfs here, ext2 and the kernel's pseudo filesystems
//! elsewhere), dentries, the mount tree, path resolution with symlinks,
//! and the rules of the namespace operations (permissions, sticky
//! directories, EXDEV, EBUSY, renaming a directory into itself). Pure
//! logic over the traits, tested on the host like rCore's easy-fs; the
//! kernel injects where file pages come from (`PageAlloc`) and the clock.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod access;
mod dentry;
mod namespace;
mod node;
mod ops;
pub mod page;
pub mod tmpfs;

pub use dentry::{Dentry, Superblock};
pub use namespace::{AtimePolicy, Last, Mount, Namespace, Parent, Path, Umount, MAX_SYMLINKS};
pub use node::*;
pub use ops::Rename;
pub use page::{PageAlloc, VecPages, PAGE_SIZE};
pub use tmpfs::Tmpfs;
