//! An in-memory index of the directories used last: name to (inode,
//! logical block), and per block the largest new entry it has room for.
//! A lookup, and the existence check and free-slot search of a create,
//! then read one block instead of scanning the whole directory (Linux
//! mounts such a disk with ext4, whose htree does the same on disk).
//!
//! Keeping it true: every change to a directory block goes through
//! `dir_insert`, `dir_remove` or `dir_retarget`, which update the index in
//! the same step (or drop it when the write fails). An index is keyed by
//! the directory's first block and checked against the directory's block
//! count at each use; `free_block` drops the index of a directory whose
//! first block goes, so a block reused by another directory never finds
//! an old index. A directory that does not parse cleanly is not indexed
//! (the linear scan reports its corruption as before).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::dir::{rec_len_for, Record};
use crate::fs::Ext2;
use crate::inode::{Ino, Inode};

/// Directories indexed at most (the most recently used stay).
const DIRS_KEPT: usize = 4;
/// Larger directories are scanned, not indexed (memory).
const NAMES_MAX: usize = 1 << 16;

pub(crate) struct DirIndex {
    /// The directory's first block.
    key: u32,
    names: BTreeMap<Vec<u8>, (Ino, u64)>,
    /// Per logical block: the longest record a new entry may take there
    /// (0 in a hole).
    room: Vec<usize>,
}

#[derive(Default)]
pub(crate) struct DirIndexes {
    /// Least recently used first.
    list: Vec<DirIndex>,
}

impl DirIndexes {
    /// Forgets the index of the directory whose first block is `block`.
    pub(crate) fn forget(&mut self, block: u32) {
        self.list.retain(|d| d.key != block);
    }
}

/// The longest record a new entry may take in a block of `records`.
pub(crate) fn block_room(records: &[Record]) -> usize {
    records.iter().map(|r| r.rec_len - if r.ino == 0 { 0 } else { rec_len_for(r.name_len) }).max().unwrap_or(0)
}

impl<D: BlockDevice> Ext2<D> {
    /// The index of directory `dir` (built by one scan if missing or out
    /// of date), most recently used now; None when the directory is not
    /// indexed (too large, or it does not parse).
    fn dir_index(&mut self, dir: &Inode) -> Option<&mut DirIndex> {
        let key = dir.block(0);
        if key == 0 {
            return None;
        }
        let blocks = self.dir_blocks(dir);
        let at = self.dirs.list.iter().position(|d| d.key == key);
        let index = match at.map(|i| self.dirs.list.remove(i)) {
            Some(index) if index.room.len() as u64 == blocks => index,
            _ => self.build_dir_index(dir, key, blocks)?,
        };
        if self.dirs.list.len() >= DIRS_KEPT {
            self.dirs.list.remove(0);
        }
        self.dirs.list.push(index);
        self.dirs.list.last_mut()
    }

    fn build_dir_index(&mut self, dir: &Inode, key: u32, blocks: u64) -> Option<DirIndex> {
        let mut index = DirIndex { key, names: BTreeMap::new(), room: Vec::new() };
        for lb in 0..blocks {
            let Ok(read) = self.read_dir_block(dir, lb) else { return None };
            let Some((_, block)) = read else {
                index.room.push(0);
                continue;
            };
            let Ok(records) = self.records(&block) else { return None };
            for r in records.iter().filter(|r| r.ino != 0) {
                // A name twice (a corrupt directory) is left to the scan.
                if index.names.insert(r.name(&block).to_vec(), (r.ino, lb)).is_some() {
                    return None;
                }
            }
            if index.names.len() > NAMES_MAX {
                return None;
            }
            index.room.push(block_room(&records));
        }
        Some(index)
    }

    /// Where `name` is in `dir` by the index: Some(None) when it is not
    /// there, Some(Some((ino, lb))) when it is; None without an index.
    pub(crate) fn indexed_find(&mut self, dir: &Inode, name: &[u8]) -> Option<Option<(Ino, u64)>> {
        Some(self.dir_index(dir)?.names.get(name).copied())
    }

    /// By the index: whether `name` is in `dir`, and the first block with
    /// room for a record of `needed` bytes. None without an index.
    pub(crate) fn indexed_slot(&mut self, dir: &Inode, name: &[u8], needed: usize) -> Option<(bool, Option<u64>)> {
        let index = self.dir_index(dir)?;
        let exists = index.names.contains_key(name);
        Some((exists, index.room.iter().position(|&r| r >= needed).map(|lb| lb as u64)))
    }

    /// Block `lb` of `dir` now holds `name` → `ino` (`ino` 0: no more),
    /// and has `room` left. `appended`: the block is new at the end.
    pub(crate) fn index_update(&mut self, dir: &Inode, lb: u64, name: &[u8], ino: Ino, room: usize, appended: bool) {
        let key = dir.block(0);
        let blocks = self.dir_blocks(dir);
        let Some(index) = self.dirs.list.iter_mut().find(|d| d.key == key) else { return };
        if appended {
            index.room.push(0);
        }
        if index.room.len() as u64 != blocks || lb >= blocks {
            self.dirs.forget(key);
            return;
        }
        index.room[lb as usize] = room;
        if ino == 0 {
            index.names.remove(name);
        } else {
            index.names.insert(name.to_vec(), (ino, lb));
        }
    }

    /// Drops the index of `dir` (its block could not be written).
    pub(crate) fn index_drop(&mut self, dir: &Inode) {
        self.dirs.forget(dir.block(0));
    }
}
