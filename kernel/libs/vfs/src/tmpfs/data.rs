//! A tmpfs file's bytes: sparse pages by index. A page exists once some
//! byte of it was written; everything else below the size is a hole.

use alloc::collections::BTreeMap;

use kernel_abi::Errno;

use super::{Counted, Shared};
use crate::page::{PageAlloc, PAGE_SIZE};

/// Largest file size (Linux's `MAX_LFS_FILESIZE` on 64-bit).
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;

const PAGE: u64 = PAGE_SIZE as u64;

pub(super) struct Data<P: PageAlloc> {
    pages: BTreeMap<u64, Counted<P>>,
    size: u64,
}

impl<P: PageAlloc> Data<P> {
    pub fn new() -> Data<P> {
        Data { pages: BTreeMap::new(), size: 0 }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let n = (buf.len() as u64).min(self.size - offset) as usize;
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let (index, within) = (pos / PAGE, (pos % PAGE) as usize);
            let len = (PAGE_SIZE - within).min(n - done);
            let out = &mut buf[done..done + len];
            match self.pages.get(&index) {
                Some(page) => out.copy_from_slice(&page.bytes()[within..within + len]),
                None => out.fill(0),
            }
            done += len;
        }
        n
    }

    /// Writes `buf` at `offset`; a short count if pages ran out midway,
    /// ENOSPC if they ran out before the first byte.
    pub fn write_at(&mut self, fs: &Shared<P>, offset: u64, buf: &[u8]) -> Result<usize, Errno> {
        offset.checked_add(buf.len() as u64).filter(|&e| e <= MAX_FILE_SIZE).ok_or(Errno::EFBIG)?;
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let (index, within) = (pos / PAGE, (pos % PAGE) as usize);
            let len = (PAGE_SIZE - within).min(buf.len() - done);
            let page = match self.pages.entry(index) {
                alloc::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                alloc::collections::btree_map::Entry::Vacant(e) => match fs.alloc() {
                    Some(p) => e.insert(p),
                    None => break,
                },
            };
            page.bytes_mut()[within..within + len].copy_from_slice(&buf[done..done + len]);
            done += len;
        }
        if done == 0 && !buf.is_empty() {
            return Err(Errno::ENOSPC);
        }
        self.size = self.size.max(offset + done as u64);
        Ok(done)
    }

    /// Sets the size: pages past it are freed, the tail of the last one
    /// zeroed (so growing again reads zeros); growing leaves a hole.
    pub fn truncate(&mut self, size: u64) -> Result<(), Errno> {
        if size > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        if size < self.size {
            let keep = size.div_ceil(PAGE);
            // Everything from page `keep` on goes.
            drop(self.pages.split_off(&keep));
            if !size.is_multiple_of(PAGE) {
                if let Some(page) = self.pages.get_mut(&(size / PAGE)) {
                    page.bytes_mut()[(size % PAGE) as usize..].fill(0);
                }
            }
        }
        self.size = size;
        Ok(())
    }

    /// Pages for every byte of `[offset, end)`; the size grows to `end`
    /// unless `keep_size`. ENOSPC (with what was allocated kept, as a
    /// partial write keeps its bytes) when pages run out.
    pub fn allocate(&mut self, fs: &Shared<P>, offset: u64, end: u64, keep_size: bool) -> Result<(), Errno> {
        if end > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        for index in offset / PAGE..end.div_ceil(PAGE) {
            if let alloc::collections::btree_map::Entry::Vacant(e) = self.pages.entry(index) {
                e.insert(fs.alloc().ok_or(Errno::ENOSPC)?);
            }
        }
        if !keep_size {
            self.size = self.size.max(end);
        }
        Ok(())
    }

    /// Zeros `[offset, end)`: whole pages in it are freed, the parts of
    /// pages at its ends cleared. The size stays.
    pub fn punch_hole(&mut self, offset: u64, end: u64) {
        let end = end.min(self.size.max(offset));
        let first_whole = offset.div_ceil(PAGE);
        let last_whole = end / PAGE;
        for index in offset / PAGE..end.div_ceil(PAGE) {
            let (lo, hi) = ((index * PAGE).max(offset), ((index + 1) * PAGE).min(end));
            if index >= first_whole && index < last_whole {
                self.pages.remove(&index);
            } else if let Some(page) = self.pages.get_mut(&index) {
                page.bytes_mut()[(lo - index * PAGE) as usize..(hi - index * PAGE) as usize].fill(0);
            }
        }
    }

    /// SEEK_DATA: the start of the first written page at or after
    /// `offset` (ENXIO when there is none before the end).
    pub fn seek_data(&self, offset: u64) -> Result<u64, Errno> {
        if offset >= self.size {
            return Err(Errno::ENXIO);
        }
        let (index, _) = self.pages.range(offset / PAGE..).next().ok_or(Errno::ENXIO)?;
        let at = offset.max(index * PAGE);
        if at >= self.size {
            return Err(Errno::ENXIO);
        }
        Ok(at)
    }

    /// SEEK_HOLE: the first offset at or after `offset` in a page never
    /// written, or the end of the file.
    pub fn seek_hole(&self, offset: u64) -> Result<u64, Errno> {
        if offset >= self.size {
            return Err(Errno::ENXIO);
        }
        let mut index = offset / PAGE;
        while self.pages.contains_key(&index) {
            index += 1;
        }
        Ok(offset.max(index * PAGE).min(self.size))
    }
}
