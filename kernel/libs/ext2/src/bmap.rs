//! The block map: logical block of a file to physical block, through 12
//! direct pointers and single, double and triple indirect blocks. Holes
//! (pointer 0) read as zeros. Indirect blocks touched by one operation are
//! held in `Ext2::ind` and written back once at its end; a few stay parsed
//! for the next operations (a block freed leaves at once).

use alloc::vec;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::{Ext2, IndBlock};
use crate::inode::{Inode, DIND, DIRECT, IND, TIND};

/// Indirect blocks kept parsed between operations, at most.
const IND_KEEP: usize = 16;

/// Where a logical block's pointer lives: the `i_block` slot, then one
/// index per indirect level.
struct Path {
    slot: usize,
    indices: [usize; 3],
    depth: usize,
}

impl<D: BlockDevice> Ext2<D> {
    pub(crate) fn ptrs_per_block(&self) -> u64 {
        (self.bs / 4) as u64
    }

    /// Logical blocks the map can address.
    pub(crate) fn max_blocks(&self) -> u64 {
        let p = self.ptrs_per_block();
        DIRECT as u64 + p + p * p + p * p * p
    }

    /// The largest file size, as Linux's ext2_max_size bounds it: the map's
    /// reach and `i_blocks` (32 bits of 512-byte sectors, indirect blocks
    /// included).
    pub(crate) fn max_file_size(&self) -> u64 {
        let p = self.ptrs_per_block();
        let sectors_per_block = (self.bs / 512) as u64;
        let by_i_blocks = (u64::from(u32::MAX) / sectors_per_block).saturating_sub(3 + p + p * p);
        self.max_blocks().min(by_i_blocks).min(u64::from(u32::MAX)) * self.bs as u64
    }

    fn path(&self, lb: u64) -> Option<Path> {
        let p = self.ptrs_per_block();
        let mut i = lb;
        if i < DIRECT as u64 {
            return Some(Path { slot: i as usize, indices: [0; 3], depth: 0 });
        }
        i -= DIRECT as u64;
        if i < p {
            return Some(Path { slot: IND, indices: [i as usize, 0, 0], depth: 1 });
        }
        i -= p;
        if i < p * p {
            return Some(Path { slot: DIND, indices: [(i / p) as usize, (i % p) as usize, 0], depth: 2 });
        }
        i -= p * p;
        if i < p * p * p {
            return Some(Path {
                slot: TIND,
                indices: [(i / (p * p)) as usize, ((i / p) % p) as usize, (i % p) as usize],
                depth: 3,
            });
        }
        None
    }

    fn check_block(&self, block: u32) -> Result<u32> {
        if block != 0 && (block < self.sb.first_data_block || block >= self.sb.blocks_count) {
            return Err(Error::Corrupt("block pointer outside the filesystem"));
        }
        Ok(block)
    }

    fn load_indirect(&mut self, block: u32) -> Result<&mut IndBlock> {
        if !self.ind.contains_key(&block) {
            let mut raw = vec![0; self.bs];
            self.disk.read_blocks(block, &mut raw)?;
            let entries = raw.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            self.ind.insert(block, IndBlock { entries, dirty: false });
        }
        Ok(self.ind.get_mut(&block).expect("inserted above"))
    }

    /// Writes back the indirect blocks changed by this operation. Up to
    /// [`IND_KEEP`] of them stay parsed for the next operations (a
    /// sequential reader maps a run of blocks through the same indirect
    /// block call after call); a block freed leaves the set at once
    /// (`free_block`), so what stays always matches the disk.
    pub(crate) fn flush_indirect(&mut self) -> Result<()> {
        let mut result = Ok(());
        for (&block, ind) in self.ind.iter_mut() {
            if ind.dirty {
                let raw: Vec<u8> = ind.entries.iter().flat_map(|e| e.to_le_bytes()).collect();
                match self.disk.write_blocks(block, &raw) {
                    Ok(()) => ind.dirty = false,
                    Err(e) => {
                        result = Err(e.into());
                        break;
                    }
                }
            }
        }
        if result.is_err() || self.ind.len() > IND_KEEP {
            self.ind.clear();
        }
        result
    }

    /// The physical block of logical block `lb`, or None in a hole.
    pub(crate) fn bmap(&mut self, inode: &Inode, lb: u64) -> Result<Option<u32>> {
        let Some(path) = self.path(lb) else { return Ok(None) };
        let mut block = self.check_block(inode.block(path.slot))?;
        for level in 0..path.depth {
            if block == 0 {
                return Ok(None);
            }
            let next = self.load_indirect(block)?.entries[path.indices[level]];
            block = self.check_block(next)?;
        }
        Ok((block != 0).then_some(block))
    }

    /// The physical block of logical block `lb` (None in a hole) and how
    /// many logical blocks from `lb`, `max` at most, lie in consecutive
    /// physical blocks: the run is read from the pointers at hand (the
    /// inode's, or one indirect block's), so a sequential read maps a run
    /// in one call.
    pub(crate) fn bmap_run(&mut self, inode: &Inode, lb: u64, max: u64) -> Result<Option<(u32, u64)>> {
        let Some(path) = self.path(lb) else { return Ok(None) };
        let mut block = self.check_block(inode.block(path.slot))?;
        if path.depth == 0 {
            if block == 0 {
                return Ok(None);
            }
            let mut n = 1;
            while n < max
                && path.slot + (n as usize) < DIRECT
                && inode.block(path.slot + n as usize) == block + n as u32
            {
                n += 1;
            }
            return Ok(Some((block, n)));
        }
        for level in 0..path.depth - 1 {
            if block == 0 {
                return Ok(None);
            }
            let next = self.load_indirect(block)?.entries[path.indices[level]];
            block = self.check_block(next)?;
        }
        if block == 0 {
            return Ok(None);
        }
        let index = path.indices[path.depth - 1];
        let limit = self.sb.blocks_count;
        let entries = &self.load_indirect(block)?.entries;
        let first = entries[index];
        if first == 0 {
            return Ok(None);
        }
        let mut n = 1u64;
        while n < max {
            let at = index + n as usize;
            let want = u64::from(first) + n;
            if at >= entries.len() || want >= u64::from(limit) || u64::from(entries[at]) != want {
                break;
            }
            n += 1;
        }
        Ok(Some((self.check_block(first)?, n)))
    }

    fn add_sectors(&self, inode: &mut Inode, blocks: i64) {
        let per = (self.bs / 512) as i64;
        let n = i64::from(inode.sectors()) + blocks * per;
        inode.set_sectors(n.max(0) as u32);
    }

    /// The physical block of `lb`, allocating it (and any indirect block on
    /// the way) near `goal` if it is a hole. Returns whether it is new: a
    /// new block holds garbage until written.
    pub(crate) fn bmap_alloc(&mut self, inode: &mut Inode, lb: u64, goal: u32) -> Result<(u32, bool)> {
        let path = self.path(lb).ok_or(Error::FileTooBig)?;
        let mut block = self.check_block(inode.block(path.slot))?;
        let mut fresh = false;
        if block == 0 {
            block = self.alloc_block(goal)?;
            self.add_sectors(inode, 1);
            inode.set_block(path.slot, block);
            fresh = true;
            if path.depth > 0 {
                self.ind.insert(block, IndBlock { entries: vec![0; self.bs / 4], dirty: true });
            }
        }
        for level in 0..path.depth {
            let index = path.indices[level];
            let raw = self.load_indirect(block)?.entries[index];
            let next = self.check_block(raw)?;
            if next != 0 {
                block = next;
                fresh = false;
                continue;
            }
            let new = self.alloc_block(block + 1)?;
            self.add_sectors(inode, 1);
            let parent = self.load_indirect(block)?;
            parent.entries[index] = new;
            parent.dirty = true;
            if level + 1 < path.depth {
                self.ind.insert(new, IndBlock { entries: vec![0; self.bs / 4], dirty: true });
            }
            block = new;
            fresh = true;
        }
        Ok((block, fresh))
    }

    /// Frees every block of the file from logical block `from` on, and the
    /// indirect blocks left empty.
    pub(crate) fn free_blocks_from(&mut self, inode: &mut Inode, from: u64) -> Result<()> {
        for slot in (from.min(DIRECT as u64) as usize)..DIRECT {
            let block = self.check_block(inode.block(slot))?;
            if block != 0 {
                self.free_block(block)?;
                self.add_sectors(inode, -1);
                inode.set_block(slot, 0);
            }
        }
        let p = self.ptrs_per_block();
        let mut base = DIRECT as u64;
        for (slot, depth) in [(IND, 1u32), (DIND, 2), (TIND, 3)] {
            let span = p.pow(depth);
            let block = self.check_block(inode.block(slot))?;
            if block != 0 && from < base + span {
                let (freed, empty) = self.free_subtree(block, depth, from.saturating_sub(base))?;
                self.add_sectors(inode, -(freed as i64));
                if empty {
                    self.free_block(block)?;
                    self.add_sectors(inode, -1);
                    inode.set_block(slot, 0);
                }
            }
            base += span;
        }
        Ok(())
    }

    /// Frees the blocks of an indirect tree of `depth` levels from its
    /// logical block `first` on. Returns the blocks freed below `block` and
    /// whether `block` now points to nothing.
    fn free_subtree(&mut self, block: u32, depth: u32, first: u64) -> Result<(u64, bool)> {
        let p = self.ptrs_per_block();
        let span = p.pow(depth - 1);
        let entries = self.load_indirect(block)?.entries.clone();
        let mut freed = 0;
        let mut kept = false;
        let mut changed = false;
        let mut updated = entries.clone();
        for (i, &child) in entries.iter().enumerate() {
            let child = self.check_block(child)?;
            if child == 0 {
                continue;
            }
            let start = i as u64 * span;
            if start + span <= first {
                kept = true;
                continue;
            }
            let child_empty = if depth == 1 {
                true
            } else {
                let (n, empty) = self.free_subtree(child, depth - 1, first.saturating_sub(start))?;
                freed += n;
                empty
            };
            if child_empty {
                self.free_block(child)?;
                freed += 1;
                updated[i] = 0;
                changed = true;
            } else {
                kept = true;
            }
        }
        if changed {
            if let Some(ind) = self.ind.get_mut(&block) {
                ind.entries = updated;
                ind.dirty = true;
            } else {
                self.ind.insert(block, IndBlock { entries: updated, dirty: true });
            }
        }
        Ok((freed, !kept))
    }
}
