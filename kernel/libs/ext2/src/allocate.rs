//! Block and inode allocation over the groups' bitmaps (loaded on first
//! use, kept in memory, written back by `sync`), with the group
//! descriptor and superblock free counts kept equal to them.

use alloc::vec;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Ext2;
use crate::inode::Ino;

pub(crate) struct Bitmap {
    pub(crate) bytes: Vec<u8>,
    pub(crate) dirty: bool,
}

impl Bitmap {
    pub(crate) fn get(&self, bit: u32) -> bool {
        self.bytes[(bit / 8) as usize] & (1 << (bit % 8)) != 0
    }
    pub(crate) fn set(&mut self, bit: u32, on: bool) {
        let byte = &mut self.bytes[(bit / 8) as usize];
        if on {
            *byte |= 1 << (bit % 8);
        } else {
            *byte &= !(1 << (bit % 8));
        }
        self.dirty = true;
    }
    /// The first clear bit in `from..end`, skipping full bytes.
    pub(crate) fn first_clear(&self, from: u32, end: u32) -> Option<u32> {
        let mut bit = from;
        while bit < end {
            if bit.is_multiple_of(8) && self.bytes[(bit / 8) as usize] == 0xff {
                bit += 8;
                continue;
            }
            if !self.get(bit) {
                return Some(bit);
            }
            bit += 1;
        }
        None
    }
}

impl<D: BlockDevice> Ext2<D> {
    fn load_block_bitmap(&mut self, g: usize) -> Result<()> {
        if self.block_bitmaps[g].is_none() {
            let mut bytes = vec![0; self.bs];
            self.disk.read_blocks(self.groups[g].block_bitmap, &mut bytes)?;
            self.block_bitmaps[g] = Some(Bitmap { bytes, dirty: false });
        }
        Ok(())
    }

    fn load_inode_bitmap(&mut self, g: usize) -> Result<()> {
        if self.inode_bitmaps[g].is_none() {
            let mut bytes = vec![0; self.bs];
            self.disk.read_blocks(self.groups[g].inode_bitmap, &mut bytes)?;
            self.inode_bitmaps[g] = Some(Bitmap { bytes, dirty: false });
        }
        Ok(())
    }

    /// Blocks in group `g` (the last group may be short).
    fn group_blocks(&self, g: usize) -> u32 {
        let start = self.sb.first_data_block + g as u32 * self.sb.blocks_per_group;
        (self.sb.blocks_count - start).min(self.sb.blocks_per_group)
    }

    pub(crate) fn group_of_inode(&self, ino: Ino) -> usize {
        ((ino - 1) / self.sb.inodes_per_group) as usize
    }

    pub(crate) fn group_first_block(&self, g: usize) -> u32 {
        self.sb.first_data_block + g as u32 * self.sb.blocks_per_group
    }

    /// Allocates one block, the first free one at or after `goal` (so a
    /// file written in order lands in consecutive blocks), searching the
    /// goal's group, then the following groups.
    pub(crate) fn alloc_block(&mut self, goal: u32) -> Result<u32> {
        if self.sb.free_blocks == 0 {
            return Err(Error::NoSpace);
        }
        let goal = if goal < self.sb.first_data_block || goal >= self.sb.blocks_count {
            self.sb.first_data_block
        } else {
            goal
        };
        let n = self.groups.len();
        let goal_group = ((goal - self.sb.first_data_block) / self.sb.blocks_per_group) as usize;
        let goal_bit = (goal - self.sb.first_data_block) % self.sb.blocks_per_group;
        for step in 0..=n {
            let g = (goal_group + step) % n;
            if self.groups[g].free_blocks == 0 {
                continue;
            }
            self.load_block_bitmap(g)?;
            let end = self.group_blocks(g);
            let from = if step == 0 { goal_bit } else { 0 };
            let bm = self.block_bitmaps[g].as_mut().expect("loaded above");
            let found = bm.first_clear(from, end).or_else(|| if step == 0 { bm.first_clear(0, from) } else { None });
            if let Some(bit) = found {
                bm.set(bit, true);
                self.groups[g].free_blocks -= 1;
                self.sb.free_blocks -= 1;
                return Ok(self.group_first_block(g) + bit);
            }
        }
        Err(Error::Corrupt("free block counts disagree with the bitmaps"))
    }

    pub(crate) fn free_block(&mut self, block: u32) -> Result<()> {
        if block < self.sb.first_data_block || block >= self.sb.blocks_count {
            return Err(Error::Corrupt("freeing a block outside the filesystem"));
        }
        self.ind.remove(&block);
        self.dirs.forget(block);
        let rel = block - self.sb.first_data_block;
        let g = (rel / self.sb.blocks_per_group) as usize;
        self.load_block_bitmap(g)?;
        let bm = self.block_bitmaps[g].as_mut().expect("loaded above");
        let bit = rel % self.sb.blocks_per_group;
        if !bm.get(bit) {
            return Err(Error::Corrupt("freeing a block that is already free"));
        }
        bm.set(bit, false);
        // Saturating: corrupt counts must not panic the kernel.
        self.groups[g].free_blocks = self.groups[g].free_blocks.saturating_add(1);
        self.sb.free_blocks = self.sb.free_blocks.saturating_add(1);
        Ok(())
    }

    /// Picks a group for a new inode as Linux's ext2 does, simplified:
    /// directories spread to the group with the most free blocks among
    /// those with at least the average free inodes; files stay near their
    /// directory.
    fn inode_group(&self, parent: Ino, is_dir: bool) -> Option<usize> {
        let n = self.groups.len();
        if is_dir {
            let avg = self.sb.free_inodes / n as u32;
            return (0..n)
                .filter(|&g| self.groups[g].free_inodes > 0 && u32::from(self.groups[g].free_inodes) >= avg)
                .max_by_key(|&g| (self.groups[g].free_blocks, core::cmp::Reverse(g)))
                .or_else(|| (0..n).find(|&g| self.groups[g].free_inodes > 0));
        }
        let home = self.group_of_inode(parent);
        (0..n)
            .map(|step| (home + step) % n)
            .find(|&g| self.groups[g].free_inodes > 0 && self.groups[g].free_blocks > 0)
            .or_else(|| (0..n).map(|step| (home + step) % n).find(|&g| self.groups[g].free_inodes > 0))
    }

    pub(crate) fn alloc_inode(&mut self, parent: Ino, is_dir: bool) -> Result<Ino> {
        if self.sb.free_inodes == 0 {
            return Err(Error::NoSpace);
        }
        let g = self.inode_group(parent, is_dir).ok_or(Error::NoSpace)?;
        self.load_inode_bitmap(g)?;
        let ipg = self.sb.inodes_per_group;
        let first_bit = if g == 0 { self.sb.first_ino - 1 } else { 0 };
        let bm = self.inode_bitmaps[g].as_mut().expect("loaded above");
        let bit =
            bm.first_clear(first_bit, ipg).ok_or(Error::Corrupt("free inode counts disagree with the bitmaps"))?;
        bm.set(bit, true);
        self.groups[g].free_inodes -= 1;
        self.sb.free_inodes -= 1;
        if is_dir {
            self.groups[g].used_dirs = self.groups[g].used_dirs.saturating_add(1);
        }
        Ok(g as u32 * ipg + bit + 1)
    }

    pub(crate) fn free_inode_bit(&mut self, ino: Ino, is_dir: bool) -> Result<()> {
        let g = self.group_of_inode(ino);
        self.load_inode_bitmap(g)?;
        let bit = (ino - 1) % self.sb.inodes_per_group;
        let bm = self.inode_bitmaps[g].as_mut().expect("loaded above");
        if !bm.get(bit) {
            return Err(Error::Corrupt("freeing an inode that is already free"));
        }
        bm.set(bit, false);
        self.groups[g].free_inodes = self.groups[g].free_inodes.saturating_add(1);
        self.sb.free_inodes = self.sb.free_inodes.saturating_add(1);
        if is_dir {
            self.groups[g].used_dirs = self.groups[g].used_dirs.saturating_sub(1);
        }
        Ok(())
    }
}
