//! Inodes that belong to no directory (pipefs's): something for fstat(2)
//! to describe behind a pipe's descriptors.

use alloc::sync::Arc;
use core::any::Any;
use core::sync::atomic::{AtomicU64, Ordering};

use kernel_abi::Errno;
use kernel_vfs::{Attr, Inode, SetAttr, Time};
use spin::Mutex;

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

pub struct AnonInode {
    attr: Mutex<Attr>,
}

impl AnonInode {
    /// A new inode of filesystem `dev` with `mode`, owned by the caller.
    pub fn new(dev: u64, mode: u32) -> Arc<AnonInode> {
        let c = crate::process::current_creds();
        let now = super::clock();
        Arc::new(AnonInode {
            attr: Mutex::new(Attr {
                dev,
                ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
                mode,
                nlink: 1,
                uid: c.euid,
                gid: c.egid,
                rdev: (0, 0),
                size: 0,
                blocks: 0,
                atime: now,
                mtime: now,
                ctime: now,
            }),
        })
    }
}

impl Inode for AnonInode {
    fn ino(&self) -> u64 {
        self.attr.lock().ino
    }

    fn getattr(&self) -> Result<Attr, Errno> {
        Ok(*self.attr.lock())
    }

    fn setattr(&self, c: &SetAttr) -> Result<(), Errno> {
        if c.size.is_some() {
            return Err(Errno::EINVAL);
        }
        let mut a = self.attr.lock();
        if let Some(p) = c.perm {
            a.mode = (a.mode & kernel_vfs::S_IFMT) | (p & 0o7777);
        }
        if let Some(u) = c.uid {
            a.uid = u;
        }
        if let Some(g) = c.gid {
            a.gid = g;
        }
        let set = |t: Option<Time>, into: &mut Time| {
            if let Some(t) = t {
                *into = t;
            }
        };
        set(c.atime, &mut a.atime);
        set(c.mtime, &mut a.mtime);
        a.ctime = super::clock();
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
