//! Linear directories: blocks of variable-length entries (inode, record
//! length, name length, file type, name), each block filled exactly by its
//! records. Removing an entry merges it into the one before it, or clears
//! its inode number when it is first in its block, as Linux's ext2 does.

use alloc::vec;
use alloc::vec::Vec;

use crate::bytes::{get16, get32, put16, put32};
use crate::device::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Ext2;
use crate::inode::{FileType, Ino, Inode, INDEX_FL};
use crate::superblock::feature;

const HEADER: usize = 8;
pub(crate) const NAME_MAX: usize = 255;

/// A record's length for a name of `len` bytes (`EXT2_DIR_REC_LEN`).
pub(crate) fn rec_len_for(len: usize) -> usize {
    (HEADER + len + 3) & !3
}

/// One entry returned by [`Ext2::readdir`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub ino: Ino,
    pub name: Vec<u8>,
    /// None without the `filetype` feature (the caller stats the inode).
    pub file_type: Option<FileType>,
    /// The cookie that resumes reading after this entry.
    pub next: u64,
}

/// A record as parsed from a block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    pub offset: usize,
    pub ino: Ino,
    pub rec_len: usize,
    pub name_len: usize,
    pub file_type: u8,
}

impl Record {
    pub(crate) fn name<'a>(&self, block: &'a [u8]) -> &'a [u8] {
        &block[self.offset + HEADER..self.offset + HEADER + self.name_len]
    }
}

/// Where a new entry goes.
pub(crate) enum Slot {
    /// Into free space of an existing record.
    Within { lb: u64, phys: u32, block: Vec<u8>, record: Record },
    /// Into a new block at the directory's end.
    Append,
}

/// Where a name is found.
pub(crate) struct Found {
    pub ino: Ino,
    pub lb: u64,
    pub phys: u32,
    pub block: Vec<u8>,
    pub record: Record,
    pub prev: Option<Record>,
}

/// Checks a name for a new entry.
pub(crate) fn check_name(name: &[u8]) -> Result<()> {
    if name.len() > NAME_MAX {
        return Err(Error::NameTooLong);
    }
    if name.is_empty() || name.contains(&b'/') || name.contains(&0) {
        return Err(Error::Invalid);
    }
    Ok(())
}

impl<D: BlockDevice> Ext2<D> {
    fn has_filetype(&self) -> bool {
        self.sb.feature_incompat & feature::INCOMPAT_FILETYPE != 0
    }

    /// Parses every record of a directory block, checking each as Linux's
    /// ext2_check_page does.
    pub(crate) fn records(&self, block: &[u8]) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        let mut offset = 0;
        while offset < block.len() {
            if offset + HEADER > block.len() {
                return Err(Error::Corrupt("directory entry crosses the block end"));
            }
            let ino = get32(block, offset);
            let rec_len = usize::from(get16(block, offset + 4));
            let (name_len, file_type) = if self.has_filetype() {
                (usize::from(block[offset + 6]), block[offset + 7])
            } else {
                (usize::from(get16(block, offset + 6)), 0)
            };
            if rec_len < rec_len_for(1) || rec_len % 4 != 0 {
                return Err(Error::Corrupt("directory entry with a bad record length"));
            }
            if rec_len < rec_len_for(name_len) || offset + rec_len > block.len() {
                return Err(Error::Corrupt("directory entry larger than its record"));
            }
            if ino > self.sb.inodes_count {
                return Err(Error::Corrupt("directory entry with a bad inode number"));
            }
            out.push(Record { offset, ino, rec_len, name_len, file_type });
            offset += rec_len;
        }
        Ok(out)
    }

    fn write_record(&self, block: &mut [u8], offset: usize, rec_len: usize, ino: Ino, name: &[u8], ft: FileType) {
        put32(block, offset, ino);
        put16(block, offset + 4, rec_len as u16);
        if self.has_filetype() {
            block[offset + 6] = name.len() as u8;
            block[offset + 7] = ft.dirent_code();
        } else {
            put16(block, offset + 6, name.len() as u16);
        }
        block[offset + HEADER..offset + HEADER + name.len()].copy_from_slice(name);
    }

    /// The blocks of a directory: its size in blocks, but never more than
    /// it holds (directories have no holes), so a corrupt size cannot make
    /// a scan walk billions of empty blocks.
    pub(crate) fn dir_blocks(&self, dir: &Inode) -> u64 {
        let held = u64::from(dir.sectors()) / (self.bs / 512) as u64;
        (dir.size() / self.bs as u64).min(held)
    }

    pub(crate) fn read_dir_block(&mut self, dir: &Inode, lb: u64) -> Result<Option<(u32, Vec<u8>)>> {
        let Some(phys) = self.bmap(dir, lb)? else { return Ok(None) };
        let mut block = vec![0; self.bs];
        self.disk.read_blocks(phys, &mut block)?;
        Ok(Some((phys, block)))
    }

    /// Finds `name` in directory `dir`: in the block the index names (see
    /// `dirindex.rs`), else by a scan.
    pub(crate) fn dir_find(&mut self, dir: &Inode, name: &[u8]) -> Result<Option<Found>> {
        match self.indexed_find(dir, name) {
            Some(None) => return Ok(None),
            Some(Some((_, lb))) => {
                if let Some(found) = self.find_in_block(dir, lb, name)? {
                    return Ok(Some(found));
                }
                // The index disagrees with the disk: trust the disk.
                self.index_drop(dir);
            }
            None => {}
        }
        for lb in 0..self.dir_blocks(dir) {
            if let Some(found) = self.find_in_block(dir, lb, name)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn find_in_block(&mut self, dir: &Inode, lb: u64, name: &[u8]) -> Result<Option<Found>> {
        let Some((phys, block)) = self.read_dir_block(dir, lb)? else { return Ok(None) };
        let mut prev = None;
        for record in self.records(&block)? {
            if record.ino != 0 && record.name(&block) == name {
                return Ok(Some(Found { ino: record.ino, lb, phys, block, record, prev }));
            }
            prev = Some(record);
        }
        Ok(None)
    }

    /// The first record of block `lb` of `dir` with room for `needed`
    /// bytes more.
    fn room_in_block(&mut self, dir: &Inode, lb: u64, needed: usize) -> Result<Option<Slot>> {
        let Some((phys, block)) = self.read_dir_block(dir, lb)? else { return Ok(None) };
        let record = self.records(&block)?.into_iter().find(|r| {
            let used = if r.ino == 0 { 0 } else { rec_len_for(r.name_len) };
            r.rec_len - used >= needed
        });
        Ok(record.map(|record| Slot::Within { lb, phys, block, record }))
    }

    /// Finds room for a new entry `name` in directory `dir`, failing with
    /// Exists if the name is there: one pass does both, so a create scans
    /// the directory once.
    pub(crate) fn dir_slot(&mut self, dir: &Inode, name: &[u8]) -> Result<Slot> {
        let needed = rec_len_for(name.len());
        match self.indexed_slot(dir, name, needed) {
            Some((true, _)) => return Err(Error::Exists),
            Some((false, None)) => return Ok(Slot::Append),
            Some((false, Some(lb))) => {
                if let Some(slot) = self.room_in_block(dir, lb, needed)? {
                    return Ok(slot);
                }
                self.index_drop(dir);
            }
            None => {}
        }
        let mut slot = Slot::Append;
        for lb in 0..self.dir_blocks(dir) {
            let Some((phys, block)) = self.read_dir_block(dir, lb)? else { continue };
            let mut room = None;
            for record in self.records(&block)? {
                if record.ino != 0 && record.name(&block) == name {
                    return Err(Error::Exists);
                }
                let used = if record.ino == 0 { 0 } else { rec_len_for(record.name_len) };
                if room.is_none() && record.rec_len - used >= needed {
                    room = Some(record);
                }
            }
            if let (Slot::Append, Some(record)) = (&slot, room) {
                slot = Slot::Within { lb, phys, block, record };
            }
        }
        Ok(slot)
    }

    /// Writes the entry `name` → `ino` where [`dir_slot`](Self::dir_slot)
    /// found room (the caller writes `dir` back).
    pub(crate) fn dir_insert(
        &mut self,
        dir: &mut Inode,
        slot: Slot,
        name: &[u8],
        ino: Ino,
        ft: FileType,
    ) -> Result<()> {
        let (lb, phys, mut block, record, appended) = match slot {
            Slot::Within { lb, phys, block, record } => (lb, phys, block, record, false),
            Slot::Append => {
                let lb = self.dir_blocks(dir);
                let goal = match lb.checked_sub(1) {
                    Some(last) => self.bmap(dir, last)?.map_or(0, |b| b + 1),
                    None => 0,
                };
                let (phys, _) = self.bmap_alloc(dir, lb, goal)?;
                dir.set_size((lb + 1) * self.bs as u64);
                let mut block = vec![0; self.bs];
                put16(&mut block, 4, self.bs as u16);
                let record = Record { offset: 0, ino: 0, rec_len: self.bs, name_len: 0, file_type: 0 };
                (lb, phys, block, record, true)
            }
        };
        if record.ino == 0 {
            self.write_record(&mut block, record.offset, record.rec_len, ino, name, ft);
        } else {
            let used = rec_len_for(record.name_len);
            put16(&mut block, record.offset + 4, used as u16);
            self.write_record(&mut block, record.offset + used, record.rec_len - used, ino, name, ft);
        }
        self.write_dir_block(dir, lb, phys, &block, name, ino, appended)?;
        self.dir_changed(dir);
        Ok(())
    }

    /// Adds the entry `name` → `ino` (Exists if the name is there).
    pub(crate) fn dir_add(&mut self, dir: &mut Inode, name: &[u8], ino: Ino, ft: FileType) -> Result<()> {
        let slot = self.dir_slot(dir, name)?;
        self.dir_insert(dir, slot, name, ino, ft)
    }

    /// Removes the entry `found` from its block.
    pub(crate) fn dir_remove(&mut self, dir: &mut Inode, mut found: Found) -> Result<()> {
        match found.prev {
            Some(prev) => {
                let merged = prev.rec_len + found.record.rec_len;
                put16(&mut found.block, prev.offset + 4, merged as u16);
            }
            None => put32(&mut found.block, found.record.offset, 0),
        }
        let name = found.record.name(&found.block).to_vec();
        self.write_dir_block(dir, found.lb, found.phys, &found.block, &name, 0, false)?;
        self.dir_changed(dir);
        Ok(())
    }

    /// Points the entry `found` at another inode (rename over a name, `..`).
    pub(crate) fn dir_retarget(&mut self, dir: &mut Inode, mut found: Found, ino: Ino, ft: FileType) -> Result<()> {
        put32(&mut found.block, found.record.offset, ino);
        if self.has_filetype() {
            found.block[found.record.offset + 7] = ft.dirent_code();
        }
        let name = found.record.name(&found.block).to_vec();
        self.write_dir_block(dir, found.lb, found.phys, &found.block, &name, ino, false)?;
        self.dir_changed(dir);
        Ok(())
    }

    /// Writes block `lb` of `dir`, changed for `name` (now `ino`, 0 when
    /// removed), and brings the directory's index along.
    #[allow(clippy::too_many_arguments)]
    fn write_dir_block(
        &mut self,
        dir: &Inode,
        lb: u64,
        phys: u32,
        block: &[u8],
        name: &[u8],
        ino: Ino,
        appended: bool,
    ) -> Result<()> {
        if let Err(e) = self.disk.write_blocks(phys, block) {
            self.index_drop(dir);
            return Err(e.into());
        }
        match self.records(block) {
            Ok(records) => self.index_update(dir, lb, name, ino, crate::dirindex::block_room(&records), appended),
            Err(_) => self.index_drop(dir),
        }
        Ok(())
    }

    /// mtime and ctime of a changed directory; its htree index (if any) is
    /// now stale, so the flag goes, as in Linux's ext2.
    fn dir_changed(&self, dir: &mut Inode) {
        let now = self.now();
        dir.set_mtime(now);
        dir.set_ctime(now);
        if dir.flags() & INDEX_FL != 0 {
            dir.set_flags(dir.flags() & !INDEX_FL);
        }
    }

    /// Whether a directory holds nothing but `.` and `..`.
    pub(crate) fn dir_is_empty(&mut self, dir: &Inode) -> Result<bool> {
        for lb in 0..self.dir_blocks(dir) {
            let Some((_, block)) = self.read_dir_block(dir, lb)? else { continue };
            for record in self.records(&block)? {
                let name = record.name(&block);
                if record.ino != 0 && name != b"." && name != b".." {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// The first block of a new directory: `.` and `..`.
    pub(crate) fn dir_template(&self, ino: Ino, parent: Ino) -> Vec<u8> {
        let mut block = vec![0; self.bs];
        self.write_record(&mut block, 0, 12, ino, b".", FileType::Directory);
        self.write_record(&mut block, 12, self.bs - 12, parent, b"..", FileType::Directory);
        block
    }

    /// Entries of directory `dir` from `cookie` (0 for the start, else a
    /// `next` from an earlier entry), passed to `emit` until it returns
    /// false. Cookies are byte positions: a cookie left stale by a change
    /// resumes at the next record boundary, so nothing is returned twice.
    pub(crate) fn read_entries(
        &mut self,
        dir: &Inode,
        cookie: u64,
        emit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> Result<()> {
        let bs = self.bs as u64;
        for lb in cookie / bs..self.dir_blocks(dir) {
            let Some((_, block)) = self.read_dir_block(dir, lb)? else { continue };
            for record in self.records(&block)? {
                let position = lb * bs + record.offset as u64;
                if position < cookie || record.ino == 0 {
                    continue;
                }
                let entry = DirEntry {
                    ino: record.ino,
                    name: record.name(&block).to_vec(),
                    file_type: FileType::from_dirent_code(record.file_type),
                    next: position + record.rec_len as u64,
                };
                if !emit(entry) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}
