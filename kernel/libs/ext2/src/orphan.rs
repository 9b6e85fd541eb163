//! The orphan list: an inode whose last name goes while it is still open
//! stays allocated, chained from the superblock's `s_last_orphan` through
//! each inode's `i_dtime`, until [`Ext2::release`] (the last close) or the
//! next mount after a crash frees it.

use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Ext2;
use crate::inode::{FileType, Ino, Inode};

impl<D: BlockDevice> Ext2<D> {
    /// One link fewer (a directory loses both its name and its `.`);
    /// at zero the inode joins the orphan list.
    pub(crate) fn drop_link(&mut self, ino: Ino, inode: &mut Inode) -> Result<Option<Ino>> {
        let links = if inode.is_dir() { 0 } else { inode.links().saturating_sub(1) };
        inode.set_links(links);
        inode.set_ctime(self.now());
        if links == 0 {
            inode.set_dtime(self.sb.last_orphan);
            self.sb.last_orphan = ino;
        }
        self.write_inode(ino, inode)?;
        Ok((links == 0).then_some(ino))
    }

    /// Frees inode `ino` if no name links it any more (it leaves the orphan
    /// list). The kernel calls this when the last file description or
    /// mapping of an inode goes; for a linked inode it does nothing.
    pub fn release(&mut self, ino: Ino) -> Result<()> {
        self.run(|fs| {
            if fs.read_only {
                return Ok(());
            }
            let mut inode = fs.live_inode(ino)?;
            if inode.links() != 0 {
                return Ok(());
            }
            fs.unlink_orphan(ino, &inode).and_then(|()| fs.destroy(ino, &mut inode))
        })
    }

    /// Takes `ino` off the orphan list (linked through `i_dtime`).
    fn unlink_orphan(&mut self, ino: Ino, inode: &Inode) -> Result<()> {
        let next = inode.dtime();
        if self.sb.last_orphan == ino {
            self.sb.last_orphan = next;
            return Ok(());
        }
        let mut current = self.sb.last_orphan;
        for _ in 0..self.sb.inodes_count {
            if current == 0 {
                return Ok(());
            }
            let mut entry = self.read_inode(current)?;
            if entry.dtime() == ino {
                entry.set_dtime(next);
                return self.write_inode(current, &entry);
            }
            current = entry.dtime();
        }
        Err(Error::Corrupt("orphan list loop"))
    }

    /// Frees an unlinked inode: its blocks, its xattr block, its number.
    fn destroy(&mut self, ino: Ino, inode: &mut Inode) -> Result<()> {
        let is_dir = inode.is_dir();
        self.free_inode_data(inode)?;
        inode.set_dtime(self.now());
        inode.set_links(0);
        self.write_inode(ino, inode)?;
        self.free_inode_bit(ino, is_dir)
    }

    /// Frees every block an inode holds. Device nodes, FIFOs, sockets and
    /// fast symlinks keep other things in `i_block` and hold no blocks.
    pub(crate) fn free_inode_data(&mut self, inode: &mut Inode) -> Result<()> {
        let has_map = match inode.file_type() {
            Some(FileType::Regular | FileType::Directory) => true,
            Some(FileType::Symlink) => !self.is_fast_symlink(inode),
            _ => false,
        };
        if has_map {
            self.free_blocks_from(inode, 0)?;
            inode.set_size(0);
        }
        let acl = inode.file_acl();
        if acl != 0 {
            self.release_xattr_block(acl)?;
            inode.set_file_acl(0);
            let per = (self.bs / 512) as u32;
            inode.set_sectors(inode.sectors().saturating_sub(per));
        }
        Ok(())
    }

    /// Drops one reference to a shared extended-attribute block, freeing it
    /// with the last (`h_refcount` at offset 4 of its header).
    fn release_xattr_block(&mut self, block: u32) -> Result<()> {
        if block < self.sb.first_data_block || block >= self.sb.blocks_count {
            return Err(Error::Corrupt("xattr block outside the filesystem"));
        }
        let mut raw = alloc::vec![0; self.bs];
        self.disk.read_blocks(block, &mut raw)?;
        let refs = crate::bytes::get32(&raw, 4);
        if refs > 1 {
            crate::bytes::put32(&mut raw, 4, refs - 1);
            self.disk.write_blocks(block, &raw)?;
            Ok(())
        } else {
            self.free_block(block)
        }
    }

    /// Frees the inodes a crash left on the orphan list. Returns how many.
    pub(crate) fn release_orphans(&mut self) -> Result<u32> {
        let mut released = 0;
        let mut current = self.sb.last_orphan;
        self.sb.last_orphan = 0;
        let mut seen = Vec::new();
        while current != 0 {
            if current > self.sb.inodes_count || seen.contains(&current) {
                return Err(Error::Corrupt("bad orphan list"));
            }
            seen.push(current);
            let mut inode = self.read_inode(current)?;
            let next = inode.dtime();
            if inode.links() == 0 && inode.mode() != 0 {
                let result = self.destroy(current, &mut inode);
                self.finish(result)?;
                released += 1;
            } else {
                inode.set_dtime(0);
                self.write_inode(current, &inode)?;
            }
            current = next;
        }
        Ok(released)
    }
}
