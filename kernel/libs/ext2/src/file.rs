//! File contents: read, write (allocating near the previous block, in
//! runs the device gets in one call), truncate and symlink targets.

use alloc::vec;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Ext2;
use crate::inode::{FileType, Ino, Inode, FAST_SYMLINK_MAX};

impl<D: BlockDevice> Ext2<D> {
    /// Reads from regular file `ino` at `offset`; returns the bytes read
    /// (0 at or past the end). Holes read as zeros. atime is the caller's
    /// business (relatime is a VFS policy): [`touch_atime`](Ext2::touch_atime).
    pub fn read_at(&mut self, ino: Ino, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.run(|fs| {
            let inode = fs.live_inode(ino)?;
            match inode.file_type() {
                Some(FileType::Regular) => {}
                Some(FileType::Directory) => return Err(Error::IsDir),
                _ => return Err(Error::Invalid),
            }
            fs.read_inode_data(&inode, offset, buf)
        })
    }

    /// lseek's SEEK_DATA (`data`) or SEEK_HOLE on regular file `ino`: the
    /// first offset at or after `offset` in an allocated block (or in a
    /// hole; the end of the file counts as one). None at or past the end,
    /// or when no data follows (the caller's ENXIO).
    pub fn seek(&mut self, ino: Ino, offset: u64, data: bool) -> Result<Option<u64>> {
        self.run(|fs| {
            let inode = fs.live_inode(ino)?;
            let size = inode.size();
            if offset >= size {
                return Ok(None);
            }
            let bs = fs.bs as u64;
            let mut lb = offset / bs;
            let end = size.div_ceil(bs);
            while lb < end {
                if fs.bmap(&inode, lb)?.is_some() == data {
                    return Ok(Some((lb * bs).max(offset)));
                }
                lb += 1;
            }
            Ok(if data { None } else { Some(size) })
        })
    }

    fn read_inode_data(&mut self, inode: &Inode, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let size = inode.size();
        if offset >= size {
            return Ok(0);
        }
        let bs = self.bs as u64;
        let end = size.min(offset.saturating_add(buf.len() as u64));
        let mut pos = offset;
        while pos < end {
            let lb = pos / bs;
            let in_block = (pos % bs) as usize;
            let chunk = (bs - in_block as u64).min(end - pos) as usize;
            let at = (pos - offset) as usize;
            // Whole blocks from here: one run of consecutive blocks is
            // mapped and read at once.
            let whole = if in_block == 0 { (end - pos) / bs } else { 0 };
            match self.bmap_run(inode, lb, whole.max(1))? {
                None => buf[at..at + chunk].fill(0),
                Some((p, n)) if whole > 0 => {
                    let len = (n * bs) as usize;
                    self.disk.read_blocks(p, &mut buf[at..at + len])?;
                    pos += n * bs;
                    continue;
                }
                Some((p, _)) => {
                    let mut block = vec![0; self.bs];
                    self.disk.read_blocks(p, &mut block)?;
                    buf[at..at + chunk].copy_from_slice(&block[in_block..in_block + chunk]);
                }
            }
            pos += chunk as u64;
        }
        Ok((end - offset) as usize)
    }

    /// Writes `data` to regular file `ino` at `offset`, allocating blocks
    /// (a gap past the end stays a hole) and growing the size. A write that
    /// runs out of space part way returns the bytes written, as Linux does.
    pub fn write_at(&mut self, ino: Ino, offset: u64, data: &[u8]) -> Result<usize> {
        self.run(|fs| {
            fs.check_writable()?;
            let mut inode = fs.live_inode(ino)?;
            match inode.file_type() {
                Some(FileType::Regular) => {}
                Some(FileType::Directory) => return Err(Error::IsDir),
                _ => return Err(Error::Invalid),
            }
            let max = fs.max_file_size();
            if offset >= max && !data.is_empty() {
                return Err(Error::FileTooBig);
            }
            let len = (data.len() as u64).min(max - offset) as usize;
            let written = fs.write_inode_data(ino, &mut inode, offset, &data[..len]);
            let end = offset + *written.as_ref().unwrap_or(&0) as u64;
            if end > inode.size() {
                inode.set_size(end);
                fs.note_large_file(end);
            }
            if !data.is_empty() {
                let now = fs.now();
                inode.set_mtime(now);
                inode.set_ctime(now);
            }
            let saved = fs.write_inode(ino, &inode);
            match (written, saved) {
                (Ok(n), Ok(())) => Ok(n),
                (Err(_), Ok(())) if end > offset => Ok((end - offset) as usize),
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        })
    }

    /// Writes and returns the bytes written; on an error, `Err` (the
    /// caller recovers the progress from the size it sets).
    fn write_inode_data(
        &mut self,
        ino: Ino,
        inode: &mut Inode,
        offset: u64,
        data: &[u8],
    ) -> core::result::Result<usize, Error> {
        let bs = self.bs as u64;
        let end = offset + data.len() as u64;
        let mut pos = offset;
        let home = self.group_first_block(self.group_of_inode(ino));
        let mut goal = if pos >= bs { self.bmap(inode, pos / bs - 1)?.map_or(home, |b| b + 1) } else { home };
        while pos < end {
            let lb = pos / bs;
            let in_block = (pos % bs) as usize;
            let chunk = (bs - in_block as u64).min(end - pos) as usize;
            let at = (pos - offset) as usize;
            let (phys, fresh) = match self.bmap_alloc(inode, lb, goal) {
                Ok(found) => found,
                Err(e) => {
                    inode.set_size(inode.size().max(pos));
                    return if pos > offset { Ok(at) } else { Err(e) };
                }
            };
            if in_block == 0 && chunk == self.bs {
                // Gather whole blocks that land consecutively.
                let mut n = 1u64;
                while pos + (n + 1) * bs <= end {
                    match self.bmap_alloc(inode, lb + n, phys + n as u32) {
                        Ok((next, _)) if next == phys + n as u32 => n += 1,
                        Ok(_) => break,
                        Err(_) => break,
                    }
                }
                let len = (n * bs) as usize;
                if let Err(e) = self.disk.write_blocks(phys, &data[at..at + len]) {
                    return if pos > offset { Ok(at) } else { Err(e.into()) };
                }
                pos += n * bs;
                goal = phys + n as u32;
                continue;
            }
            let mut block = vec![0; self.bs];
            if !fresh {
                self.disk.read_blocks(phys, &mut block)?;
            }
            block[in_block..in_block + chunk].copy_from_slice(&data[at..at + chunk]);
            self.disk.write_blocks(phys, &block)?;
            pos += chunk as u64;
            goal = phys + 1;
        }
        Ok(data.len())
    }

    /// Sets the size of regular file `ino`: shrinking frees the blocks past
    /// the end (and zeroes the rest of the last block, so growing again
    /// reads zeros); growing leaves a hole.
    pub fn truncate(&mut self, ino: Ino, size: u64) -> Result<()> {
        self.run(|fs| {
            fs.check_writable()?;
            let mut inode = fs.live_inode(ino)?;
            fs.truncate_inode(&mut inode, size).and_then(|()| {
                let now = fs.now();
                inode.set_mtime(now);
                inode.set_ctime(now);
                fs.write_inode(ino, &inode)
            })
        })
    }

    pub(crate) fn truncate_inode(&mut self, inode: &mut Inode, size: u64) -> Result<()> {
        match inode.file_type() {
            Some(FileType::Regular) => {}
            Some(FileType::Directory) => return Err(Error::IsDir),
            _ => return Err(Error::Invalid),
        }
        if size > self.max_file_size() {
            return Err(Error::FileTooBig);
        }
        let bs = self.bs as u64;
        if size < inode.size() {
            let tail = (size % bs) as usize;
            if tail != 0 {
                if let Some(phys) = self.bmap(inode, size / bs)? {
                    let mut block = vec![0; self.bs];
                    self.disk.read_blocks(phys, &mut block)?;
                    block[tail..].fill(0);
                    self.disk.write_blocks(phys, &block)?;
                }
            }
            self.free_blocks_from(inode, size.div_ceil(bs))?;
        }
        inode.set_size(size);
        self.note_large_file(size);
        Ok(())
    }

    /// Whether a symlink keeps its target in `i_block` (Linux's
    /// ext2_inode_is_fast_symlink: no blocks besides an xattr block).
    pub(crate) fn is_fast_symlink(&self, inode: &Inode) -> bool {
        let xattr = if inode.file_acl() != 0 { (self.bs / 512) as u32 } else { 0 };
        inode.sectors() == xattr
    }

    /// A symlink's target.
    pub fn readlink(&mut self, ino: Ino) -> Result<Vec<u8>> {
        self.run(|fs| {
            let inode = fs.live_inode(ino)?;
            if inode.file_type() != Some(FileType::Symlink) {
                return Err(Error::Invalid);
            }
            let size = inode.size() as usize;
            if fs.is_fast_symlink(&inode) {
                if size > FAST_SYMLINK_MAX + 1 {
                    return Err(Error::Corrupt("fast symlink longer than i_block"));
                }
                return Ok(inode.block_bytes()[..size].to_vec());
            }
            if size >= fs.bs {
                return Err(Error::Corrupt("symlink longer than a block"));
            }
            let mut target = vec![0; size];
            fs.read_inode_data(&inode, 0, &mut target).map(|_| target)
        })
    }

    /// Stores a new symlink's target: in `i_block` when it fits, else in
    /// one data block.
    pub(crate) fn store_symlink(&mut self, ino: Ino, inode: &mut Inode, target: &[u8]) -> Result<()> {
        if target.len() <= FAST_SYMLINK_MAX {
            inode.block_bytes_mut()[..target.len()].copy_from_slice(target);
        } else {
            let goal = self.group_first_block(self.group_of_inode(ino));
            let (phys, _) = self.bmap_alloc(inode, 0, goal)?;
            let mut block = vec![0; self.bs];
            block[..target.len()].copy_from_slice(target);
            self.disk.write_blocks(phys, &block)?;
        }
        inode.set_size(target.len() as u64);
        Ok(())
    }

    /// Runs one public operation: indirect blocks it changed go to the
    /// device at its end, and corruption it met is recorded as Linux's
    /// ext2_error does.
    pub(crate) fn run<T>(&mut self, op: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let result = op(self);
        let result = self.finish(result);
        if let Err(Error::Corrupt(_)) = result {
            self.note_corruption();
        }
        result
    }

    /// Ends an operation: indirect blocks it changed go to the device.
    pub(crate) fn finish<T>(&mut self, result: Result<T>) -> Result<T> {
        let flushed = self.flush_indirect();
        let value = result?;
        flushed?;
        Ok(value)
    }
}
