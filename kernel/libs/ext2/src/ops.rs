//! The namespace and attribute operations a VFS calls: lookup, create,
//! mkdir, mknod, symlink, link, unlink, rmdir, rename, getattr, setattr,
//! readdir (the orphan list behind unlink and rmdir is in `orphan.rs`).

use crate::device::BlockDevice;
use crate::dir::{check_name, DirEntry};
use crate::error::{Error, Result};
use crate::fs::Ext2;
use crate::inode::{FileType, Ino, Inode, ROOT_INO, S_IFMT};

/// ext2's `EXT2_LINK_MAX`.
pub const LINK_MAX: u16 = 32000;

/// An inode's attributes, as stat(2) wants them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    pub ino: Ino,
    pub file_type: FileType,
    /// Permission bits and type bits, as `st_mode`.
    pub mode: u16,
    pub nlink: u16,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// 512-byte sectors held (`st_blocks`), indirect blocks included.
    pub blocks: u64,
    pub atime: u32,
    pub mtime: u32,
    pub ctime: u32,
    /// Nanoseconds of the three times (0 in a 128-byte inode).
    pub atime_nsec: u32,
    pub mtime_nsec: u32,
    pub ctime_nsec: u32,
    /// (major, minor) of a device node; (0, 0) otherwise.
    pub rdev: (u32, u32),
    pub generation: u32,
}

/// Changes for [`Ext2::setattr`]; `None` leaves a field alone. ctime is
/// set to now unless given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits (07777); the type bits are kept.
    pub mode: Option<u16>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Truncates or extends a regular file.
    pub size: Option<u64>,
    pub atime: Option<u32>,
    pub mtime: Option<u32>,
    pub ctime: Option<u32>,
    /// Nanoseconds of `atime` and `mtime` when they are given (kept where
    /// the inode has room: 256-byte inodes).
    pub atime_nsec: u32,
    pub mtime_nsec: u32,
}

/// Owner and permission bits of a new inode (the VFS applies umask and
/// setgid-directory inheritance before calling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewInode {
    pub perm: u16,
    pub uid: u32,
    pub gid: u32,
}

impl<D: BlockDevice> Ext2<D> {
    pub fn getattr(&mut self, ino: Ino) -> Result<Attr> {
        self.run(|fs| {
            let inode = fs.live_inode(ino)?;
            fs.attr(ino, &inode)
        })
    }

    fn attr(&self, ino: Ino, inode: &Inode) -> Result<Attr> {
        let file_type = inode.file_type().ok_or(Error::Corrupt("inode with an unknown file type"))?;
        let rdev = match file_type {
            FileType::CharDevice | FileType::BlockDevice => inode.rdev(),
            _ => (0, 0),
        };
        Ok(Attr {
            ino,
            file_type,
            mode: inode.mode(),
            nlink: inode.links(),
            uid: inode.uid(),
            gid: inode.gid(),
            size: inode.size(),
            blocks: u64::from(inode.sectors()),
            atime: inode.atime(),
            mtime: inode.mtime(),
            ctime: inode.ctime(),
            atime_nsec: inode.atime_nsec(),
            mtime_nsec: inode.mtime_nsec(),
            ctime_nsec: inode.ctime_nsec(),
            rdev,
            generation: inode.generation(),
        })
    }

    pub fn setattr(&mut self, ino: Ino, changes: &SetAttr) -> Result<Attr> {
        self.run(|fs| {
            fs.check_writable()?;
            let mut inode = fs.live_inode(ino)?;
            fs.apply_setattr(ino, &mut inode, changes)
        })
    }

    fn apply_setattr(&mut self, ino: Ino, inode: &mut Inode, changes: &SetAttr) -> Result<Attr> {
        let now = self.now();
        if let Some(size) = changes.size {
            if size != inode.size() || changes.mtime.is_none() {
                self.truncate_inode(inode, size)?;
                inode.set_mtime(now);
            }
        }
        if let Some(perm) = changes.mode {
            inode.set_mode((inode.mode() & S_IFMT) | (perm & !S_IFMT));
        }
        if let Some(uid) = changes.uid {
            inode.set_uid(uid);
        }
        if let Some(gid) = changes.gid {
            inode.set_gid(gid);
        }
        if let Some(t) = changes.atime {
            inode.set_atime_ns(t, changes.atime_nsec);
        }
        if let Some(t) = changes.mtime {
            inode.set_mtime_ns(t, changes.mtime_nsec);
        }
        inode.set_ctime(changes.ctime.unwrap_or(now));
        self.write_inode(ino, inode)?;
        self.attr(ino, inode)
    }

    /// Sets only the access time, leaving ctime alone: what a read does
    /// under the VFS's atime policy (relatime), unlike an explicit
    /// utimensat, which is a [`setattr`](Ext2::setattr).
    pub fn touch_atime(&mut self, ino: Ino, atime: u32, nsec: u32) -> Result<()> {
        self.run(|fs| {
            fs.check_writable()?;
            let mut inode = fs.live_inode(ino)?;
            inode.set_atime_ns(atime, nsec);
            fs.write_inode(ino, &inode)
        })
    }

    fn dir_inode(&mut self, dir: Ino) -> Result<Inode> {
        let inode = self.live_inode(dir)?;
        if !inode.is_dir() {
            return Err(Error::NotDir);
        }
        Ok(inode)
    }

    /// The inode `name` names in directory `dir` (`.` and `..` included).
    pub fn lookup(&mut self, dir: Ino, name: &[u8]) -> Result<Ino> {
        self.run(|fs| {
            let dir_inode = fs.dir_inode(dir)?;
            if name.len() > crate::dir::NAME_MAX {
                return Err(Error::NameTooLong);
            }
            fs.dir_find(&dir_inode, name)?.map(|f| f.ino).ok_or(Error::NotFound)
        })
    }

    /// Calls `emit` with the entries of `dir` from `cookie` (0 to start)
    /// until it returns false or the directory ends. Each entry carries the
    /// cookie to resume after it.
    pub fn readdir(&mut self, dir: Ino, cookie: u64, emit: &mut dyn FnMut(DirEntry) -> bool) -> Result<()> {
        self.run(|fs| {
            let dir_inode = fs.dir_inode(dir)?;
            fs.read_entries(&dir_inode, cookie, emit)
        })
    }

    /// Creates a regular file.
    pub fn create(&mut self, dir: Ino, name: &[u8], new: NewInode) -> Result<Ino> {
        self.run(|fs| fs.mknod(dir, name, FileType::Regular, new, (0, 0)))
    }

    /// Creates a regular file, device node, FIFO or socket (`rdev` is the
    /// device's (major, minor)).
    pub fn mknod(
        &mut self,
        dir: Ino,
        name: &[u8],
        file_type: FileType,
        new: NewInode,
        rdev: (u32, u32),
    ) -> Result<Ino> {
        self.run(|fs| {
            if matches!(file_type, FileType::Directory | FileType::Symlink) {
                return Err(Error::Invalid);
            }
            fs.make_node(dir, name, file_type, new, |_, _, inode| {
                if matches!(file_type, FileType::CharDevice | FileType::BlockDevice) {
                    inode.set_rdev(rdev.0, rdev.1);
                }
                Ok(())
            })
        })
    }

    /// Creates a symlink to `target` (kept in the inode when it is 59 bytes
    /// or less, as Linux does).
    pub fn symlink(&mut self, dir: Ino, name: &[u8], target: &[u8], owner: NewInode) -> Result<Ino> {
        self.run(|fs| {
            if target.is_empty() || target.contains(&0) {
                return Err(Error::Invalid);
            }
            if target.len() >= fs.bs {
                return Err(Error::NameTooLong);
            }
            let new = NewInode { perm: 0o777, ..owner };
            fs.make_node(dir, name, FileType::Symlink, new, |fs, ino, inode| fs.store_symlink(ino, inode, target))
        })
    }

    /// Creates a directory holding `.` and `..`.
    pub fn mkdir(&mut self, dir: Ino, name: &[u8], new: NewInode) -> Result<Ino> {
        self.run(|fs| {
            fs.make_node(dir, name, FileType::Directory, new, |fs, ino, inode| {
                let goal = fs.group_first_block(fs.group_of_inode(ino));
                let (phys, _) = fs.bmap_alloc(inode, 0, goal)?;
                let block = fs.dir_template(ino, dir);
                fs.disk.write_blocks(phys, &block)?;
                inode.set_size(fs.bs as u64);
                Ok(())
            })
        })
    }

    /// The common part of every create: a new inode, filled by `fill`,
    /// linked into `dir` as `name`. Undone entirely on failure.
    fn make_node(
        &mut self,
        dir: Ino,
        name: &[u8],
        file_type: FileType,
        new: NewInode,
        fill: impl FnOnce(&mut Self, Ino, &mut Inode) -> Result<()>,
    ) -> Result<Ino> {
        self.check_writable()?;
        check_name(name)?;
        if name == b"." || name == b".." {
            return Err(Error::Exists);
        }
        let mut dir_inode = self.dir_inode(dir)?;
        if dir_inode.links() == 0 {
            return Err(Error::NotFound);
        }
        let is_dir = file_type == FileType::Directory;
        if is_dir && dir_inode.links() >= LINK_MAX {
            return Err(Error::TooManyLinks);
        }
        let slot = self.dir_slot(&dir_inode, name)?;
        let ino = self.alloc_inode(dir, is_dir)?;
        let now = self.now();
        let generation = self.new_generation();
        let mode = file_type.mode_bits() | (new.perm & 0o7777);
        let mut inode = Inode::new(usize::from(self.sb.inode_size), mode, new.uid, new.gid, now, generation);
        inode.set_links(if is_dir { 2 } else { 1 });
        let result = fill(self, ino, &mut inode)
            .and_then(|()| self.write_inode(ino, &inode))
            .and_then(|()| self.dir_insert(&mut dir_inode, slot, name, ino, file_type))
            .and_then(|()| {
                if is_dir {
                    dir_inode.set_links(dir_inode.links() + 1);
                }
                self.write_inode(dir, &dir_inode)
            });
        if let Err(e) = result {
            // Undo: the blocks `fill` took, then the inode.
            let _ = self.flush_indirect();
            let _ = self.free_inode_data(&mut inode);
            let _ = self.free_inode_bit(ino, is_dir);
            inode.set_links(0);
            inode.set_dtime(now);
            let _ = self.write_inode(ino, &inode);
            return Err(e);
        }
        Ok(ino)
    }

    /// Adds the name `name` in `dir` for the existing inode `ino`.
    pub fn link(&mut self, ino: Ino, dir: Ino, name: &[u8]) -> Result<()> {
        self.run(|fs| {
            fs.check_writable()?;
            check_name(name)?;
            let mut inode = fs.live_inode(ino)?;
            if inode.is_dir() {
                return Err(Error::NotPermitted);
            }
            if inode.links() >= LINK_MAX {
                return Err(Error::TooManyLinks);
            }
            if inode.links() == 0 {
                return Err(Error::NotFound);
            }
            let mut dir_inode = fs.dir_inode(dir)?;
            let file_type = inode.file_type().ok_or(Error::Corrupt("inode with an unknown file type"))?;
            fs.dir_add(&mut dir_inode, name, ino, file_type).and_then(|()| {
                inode.set_links(inode.links() + 1);
                inode.set_ctime(fs.now());
                fs.write_inode(ino, &inode)?;
                fs.write_inode(dir, &dir_inode)
            })
        })
    }

    /// Removes the name `name` (not a directory) from `dir`. Returns the
    /// inode if that was its last link: it is then on the orphan list and
    /// the caller must [`release`](Ext2::release) it once no file
    /// description holds it.
    pub fn unlink(&mut self, dir: Ino, name: &[u8]) -> Result<Option<Ino>> {
        self.run(|fs| {
            fs.check_writable()?;
            fs.remove_name(dir, name, false)
        })
    }

    /// Removes the empty directory `name` from `dir`; like [`unlink`]
    /// it returns the inode, now orphaned, for [`release`].
    ///
    /// [`unlink`]: Ext2::unlink
    /// [`release`]: Ext2::release
    pub fn rmdir(&mut self, dir: Ino, name: &[u8]) -> Result<Option<Ino>> {
        self.run(|fs| {
            fs.check_writable()?;
            if name == b"." {
                return Err(Error::Invalid);
            }
            if name == b".." {
                return Err(Error::NotEmpty);
            }
            fs.remove_name(dir, name, true)
        })
    }

    fn remove_name(&mut self, dir: Ino, name: &[u8], want_dir: bool) -> Result<Option<Ino>> {
        let mut dir_inode = self.dir_inode(dir)?;
        let found = self.dir_find(&dir_inode, name)?.ok_or(Error::NotFound)?;
        let ino = found.ino;
        let mut inode = self.live_inode(ino)?;
        match (want_dir, inode.is_dir()) {
            (false, true) => return Err(Error::IsDir),
            (true, false) => return Err(Error::NotDir),
            (true, true) if !self.dir_is_empty(&inode)? => return Err(Error::NotEmpty),
            _ => {}
        }
        self.dir_remove(&mut dir_inode, found)?;
        if want_dir {
            dir_inode.set_links(dir_inode.links().saturating_sub(1));
        }
        self.write_inode(dir, &dir_inode)?;
        self.drop_link(ino, &mut inode)
    }

    /// Renames `old_dir/old_name` to `new_dir/new_name`, replacing what is
    /// there as rename(2) does (a directory only by an empty directory).
    /// A directory moved to another parent gets its `..` repointed and the
    /// parents' link counts follow. Returns the replaced inode if that
    /// removed its last link (to [`release`](Ext2::release)).
    pub fn rename(&mut self, old_dir: Ino, old_name: &[u8], new_dir: Ino, new_name: &[u8]) -> Result<Option<Ino>> {
        self.run(|fs| {
            fs.check_writable()?;
            check_moved_names(old_name, new_name)?;
            fs.rename_inner(old_dir, old_name, new_dir, new_name)
        })
    }

    fn rename_inner(&mut self, old_dir: Ino, old_name: &[u8], new_dir: Ino, new_name: &[u8]) -> Result<Option<Ino>> {
        let old_dir_inode = self.dir_inode(old_dir)?;
        let src = self.dir_find(&old_dir_inode, old_name)?.ok_or(Error::NotFound)?.ino;
        let mut src_inode = self.live_inode(src)?;
        let src_type = src_inode.file_type().ok_or(Error::Corrupt("inode with an unknown file type"))?;
        let src_is_dir = src_inode.is_dir();
        let mut new_dir_inode = self.dir_inode(new_dir)?;
        if new_dir_inode.links() == 0 {
            return Err(Error::NotFound);
        }
        let moving_dir = src_is_dir && old_dir != new_dir;
        if moving_dir {
            self.check_not_ancestor(src, new_dir)?;
        }
        let target = self.dir_find(&new_dir_inode, new_name)?;
        if target.as_ref().is_some_and(|t| t.ino == src) {
            return Ok(None);
        }
        if moving_dir && target.is_none() && new_dir_inode.links() >= LINK_MAX {
            return Err(Error::TooManyLinks);
        }
        let mut orphan = None;
        match target {
            Some(found) => {
                let victim = found.ino;
                let mut victim_inode = self.live_inode(victim)?;
                match (src_is_dir, victim_inode.is_dir()) {
                    (true, false) => return Err(Error::NotDir),
                    (false, true) => return Err(Error::IsDir),
                    (true, true) if !self.dir_is_empty(&victim_inode)? => return Err(Error::NotEmpty),
                    _ => {}
                }
                self.dir_retarget(&mut new_dir_inode, found, src, src_type)?;
                if victim_inode.is_dir() {
                    // The victim's `..` no longer counts toward new_dir.
                    new_dir_inode.set_links(new_dir_inode.links().saturating_sub(1));
                }
                orphan = self.drop_link(victim, &mut victim_inode)?;
            }
            None => self.dir_add(&mut new_dir_inode, new_name, src, src_type)?,
        }
        if moving_dir {
            new_dir_inode.set_links(new_dir_inode.links() + 1);
        }
        self.write_inode(new_dir, &new_dir_inode)?;

        // Re-read: when the directories are one, new_dir_inode was it.
        let mut old_dir_inode = self.dir_inode(old_dir)?;
        let found = self.dir_find(&old_dir_inode, old_name)?.ok_or(Error::Corrupt("renamed entry vanished"))?;
        self.dir_remove(&mut old_dir_inode, found)?;
        if moving_dir {
            old_dir_inode.set_links(old_dir_inode.links().saturating_sub(1));
            let dotdot = self.dir_find(&src_inode, b"..")?.ok_or(Error::Corrupt("directory without .."))?;
            self.dir_retarget(&mut src_inode, dotdot, new_dir, FileType::Directory)?;
        }
        self.write_inode(old_dir, &old_dir_inode)?;
        src_inode.set_ctime(self.now());
        self.write_inode(src, &src_inode)?;
        Ok(orphan)
    }

    /// renameat2's RENAME_EXCHANGE: the entries `old_name` of `old_dir` and
    /// `new_name` of `new_dir` swap inodes (both must exist). A directory
    /// that changes parent gets its `..` pointed at the new one, and the
    /// parents' link counts follow. The caller (the VFS) has checked that
    /// neither directory ends up inside itself.
    pub fn exchange(&mut self, old_dir: Ino, old_name: &[u8], new_dir: Ino, new_name: &[u8]) -> Result<()> {
        self.run(|fs| {
            fs.check_writable()?;
            check_moved_names(old_name, new_name)?;
            let od = fs.dir_inode(old_dir)?;
            let a = fs.dir_find(&od, old_name)?.ok_or(Error::NotFound)?.ino;
            let nd = fs.dir_inode(new_dir)?;
            let b = fs.dir_find(&nd, new_name)?.ok_or(Error::NotFound)?.ino;
            if a == b {
                return Ok(());
            }
            let mut a_inode = fs.live_inode(a)?;
            let mut b_inode = fs.live_inode(b)?;
            let a_type = a_inode.file_type().ok_or(Error::Corrupt("inode with an unknown file type"))?;
            let b_type = b_inode.file_type().ok_or(Error::Corrupt("inode with an unknown file type"))?;
            let moves = old_dir != new_dir;
            // Link count changes of the parents: a subdirectory's `..` counts.
            let (a_dir, b_dir) = (i32::from(a_inode.is_dir()), i32::from(b_inode.is_dir()));
            let (old_delta, new_delta) = if moves { (b_dir - a_dir, a_dir - b_dir) } else { (0, 0) };
            for (dir, delta) in [(&od, old_delta), (&nd, new_delta)] {
                if delta > 0 && dir.links() >= LINK_MAX {
                    return Err(Error::TooManyLinks);
                }
            }
            let mut nd = fs.dir_inode(new_dir)?;
            let found = fs.dir_find(&nd, new_name)?.ok_or(Error::NotFound)?;
            fs.dir_retarget(&mut nd, found, a, a_type)?;
            fs.write_inode(new_dir, &nd)?;
            let mut od = fs.dir_inode(old_dir)?;
            let found = fs.dir_find(&od, old_name)?.ok_or(Error::NotFound)?;
            fs.dir_retarget(&mut od, found, b, b_type)?;
            fs.write_inode(old_dir, &od)?;
            if moves {
                for (child, inode, parent) in [(a, &mut a_inode, new_dir), (b, &mut b_inode, old_dir)] {
                    if inode.is_dir() {
                        let dotdot = fs.dir_find(inode, b"..")?.ok_or(Error::Corrupt("directory without .."))?;
                        fs.dir_retarget(inode, dotdot, parent, FileType::Directory)?;
                        fs.write_inode(child, inode)?;
                    }
                }
                for (dir, delta) in [(old_dir, old_delta), (new_dir, new_delta)] {
                    if delta != 0 {
                        let mut d = fs.dir_inode(dir)?;
                        d.set_links((i32::from(d.links()) + delta).max(0) as u16);
                        fs.write_inode(dir, &d)?;
                    }
                }
            }
            let now = fs.now();
            for (ino, inode) in [(a, &mut a_inode), (b, &mut b_inode)] {
                inode.set_ctime(now);
                fs.write_inode(ino, inode)?;
            }
            Ok(())
        })
    }

    /// Fails with Invalid if `dir` is `ancestor` or lies below it (moving a
    /// directory into itself), walking `..` up to the root.
    fn check_not_ancestor(&mut self, ancestor: Ino, dir: Ino) -> Result<()> {
        let mut current = dir;
        for _ in 0..self.sb.inodes_count {
            if current == ancestor {
                return Err(Error::Invalid);
            }
            if current == ROOT_INO {
                return Ok(());
            }
            let inode = self.dir_inode(current)?;
            current = self.dir_find(&inode, b"..")?.ok_or(Error::Corrupt("directory without .."))?.ino;
        }
        Err(Error::Corrupt("directory loop"))
    }
}

/// The two names of a rename or exchange: valid entry names, and neither
/// `.` nor `..` (EINVAL, as Linux refuses them).
fn check_moved_names(old_name: &[u8], new_name: &[u8]) -> Result<()> {
    for name in [old_name, new_name] {
        check_name(name)?;
        if name == b"." || name == b".." {
            return Err(Error::Invalid);
        }
    }
    Ok(())
}
