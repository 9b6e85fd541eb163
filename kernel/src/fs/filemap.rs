//! The mapped pages of regular files: what MAP_SHARED file mappings map.
//!
//! One page per (file, page index) that some shared mapping maps, shared
//! by every mapping of it (fork, two processes mapping the same file) and
//! authoritative for the file's bytes in it: read(2) sees the page (the
//! file's bytes are overlaid with it), write(2) goes to the file and to the
//! page, so a store through a mapping is seen by read() at once and a
//! write() through the mapping at once, as Linux's page cache gives.
//!
//! Why a page of its own, not the page cache's: ext2 data reaches the
//! block cache (block::cache) as disk pages, and a 1 KiB-block file's page
//! is four blocks anywhere on the disk, so no cache page holds it; tmpfs
//! data would map directly, but one mechanism serves both.
//!
//! Write-back (the page's bytes inside the file's size into the file, by
//! the filesystem's own write: ext2 then writes its blocks to the disk as
//! usual) happens on msync(MS_SYNC), fsync, sync, syncfs, umount and in
//! the periodic flusher; munmap and exit leave the page dirty until then,
//! as Linux. Pages are not tracked dirty: write-back compares each page
//! with the file and writes only what differs. A page no mapping holds any
//! more is written back and dropped by `collect` (munmap, sync, the
//! flusher, umount). Bytes of the last page beyond the file's end are
//! never written to the file. Truncation unmaps the pages wholly beyond
//! the new size from every address space (a touch there is SIGBUS) and
//! zeros the cut part of the last one.
//!
//! Locking: the table is a spinlock held only to copy bytes; every
//! filesystem call (which may sleep) is made without it.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use kernel_abi::Errno;
use kernel_vfs::{Inode, Path};
use spin::Mutex;

use crate::mm::page_table::SharedFrame;

const PAGE: u64 = 4096;

/// A file with mapped pages.
struct Mapped {
    node: Arc<dyn Inode>,
    /// Where it was mapped from: the mount stays busy while it is mapped.
    _path: Option<Path>,
    pages: BTreeMap<u64, SharedFrame>,
}

/// Files by the address of their inode object (one object per inode
/// while it is in use: tmpfs nodes, ext2's handle table).
static FILES: Mutex<BTreeMap<usize, Mapped>> = Mutex::new(BTreeMap::new());
/// Mapped pages in the table (the hooks cost nothing while it is 0).
static PAGES: AtomicUsize = AtomicUsize::new(0);

fn key(node: &dyn Inode) -> usize {
    node as *const dyn Inode as *const () as usize
}

fn lock() -> (crate::arch::IrqGuard, spin::MutexGuard<'static, BTreeMap<usize, Mapped>>) {
    let irq = crate::arch::IrqGuard::new();
    (irq, FILES.lock())
}

/// Mapped pages held (/proc/meminfo Shmem-like accounting, leak checks).
pub fn pages() -> usize {
    PAGES.load(Ordering::Relaxed)
}

/// The pages of `node` from page `first` for `count` pages that lie in the
/// file (`size`): one handle each, for a MAP_SHARED mapping (the rest of
/// the mapping is beyond the end). A page not mapped yet is read from the
/// file. ENOMEM when frames run out (what was made stays in the table,
/// unmapped, for `collect`).
pub fn map_pages(node: &Arc<dyn Inode>, path: Option<Path>, first: u64, count: u64) -> Result<Vec<SharedFrame>, Errno> {
    let size = node.getattr()?.size;
    let end = (first + count).min(size.div_ceil(PAGE));
    let mut out = Vec::new();
    out.try_reserve(end.saturating_sub(first) as usize).map_err(|_| Errno::ENOMEM)?;
    let k = key(&**node);
    {
        let (_irq, mut files) = lock();
        files.entry(k).or_insert_with(|| Mapped { node: node.clone(), _path: path, pages: BTreeMap::new() });
    }
    let mut buf = alloc::vec![0u8; PAGE as usize];
    for index in first..end {
        let held = lock().1.get(&k).and_then(|m| m.pages.get(&index).cloned());
        if let Some(page) = held {
            out.push(page);
            continue;
        }
        // Read before the frame is made: the read may sleep.
        buf.fill(0);
        let mut got = 0;
        while got < buf.len() {
            let n = node.read_at(index * PAGE + got as u64, &mut buf[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        let page = SharedFrame::alloc_zeroed().ok_or(Errno::ENOMEM)?;
        page.write(0, &buf[..got]);
        let (_irq, mut files) = lock();
        let m = files.get_mut(&k).ok_or(Errno::EIO)?;
        // Another mapper may have made it meanwhile: its page wins.
        let page = m
            .pages
            .entry(index)
            .or_insert_with(|| {
                PAGES.fetch_add(1, Ordering::Relaxed);
                page
            })
            .clone();
        out.push(page);
    }
    Ok(out)
}

/// read(2) of a regular file: the file's bytes, with its mapped pages over
/// them.
pub fn read_at(node: &dyn Inode, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
    let n = node.read_at(offset, buf)?;
    if PAGES.load(Ordering::Relaxed) == 0 || n == 0 {
        return Ok(n);
    }
    let (_irq, files) = lock();
    if let Some(m) = files.get(&key(node)) {
        for (&index, page) in m.pages.range(offset / PAGE..(offset + n as u64).div_ceil(PAGE)) {
            let (from, to) = ((index * PAGE).max(offset), ((index + 1) * PAGE).min(offset + n as u64));
            page.read((from - index * PAGE) as usize, &mut buf[(from - offset) as usize..(to - offset) as usize]);
        }
    }
    Ok(n)
}

/// write(2) of a regular file: to the file, and to its mapped pages.
pub fn write_at(node: &dyn Inode, offset: u64, data: &[u8]) -> Result<usize, Errno> {
    let n = node.write_at(offset, data)?;
    if PAGES.load(Ordering::Relaxed) != 0 && n != 0 {
        copy_in(node, offset, &data[..n]);
    }
    Ok(n)
}

fn copy_in(node: &dyn Inode, offset: u64, data: &[u8]) {
    let (_irq, files) = lock();
    let Some(m) = files.get(&key(node)) else { return };
    let end = offset + data.len() as u64;
    for (&index, page) in m.pages.range(offset / PAGE..end.div_ceil(PAGE)) {
        let (from, to) = ((index * PAGE).max(offset), ((index + 1) * PAGE).min(end));
        page.write((from - index * PAGE) as usize, &data[(from - offset) as usize..(to - offset) as usize]);
    }
}

/// `[offset, end)` of the file now reads as zeros (fallocate's
/// PUNCH_HOLE and ZERO_RANGE): so do its mapped pages.
pub fn zeroed(node: &dyn Inode, offset: u64, end: u64) {
    if PAGES.load(Ordering::Relaxed) == 0 {
        return;
    }
    let (_irq, files) = lock();
    let Some(m) = files.get(&key(node)) else { return };
    for (&index, page) in m.pages.range(offset / PAGE..end.div_ceil(PAGE)) {
        let (from, to) = ((index * PAGE).max(offset), ((index + 1) * PAGE).min(end));
        page.zero((from - index * PAGE) as usize, (to - index * PAGE) as usize);
    }
}

/// The file's size became `size` (truncate, ftruncate, O_TRUNC): its
/// mapped pages wholly beyond it leave every address space (a touch there
/// is SIGBUS from now on) and the table; the last one's tail is zeroed.
pub fn resized(node: &dyn Inode, size: u64) {
    if PAGES.load(Ordering::Relaxed) == 0 {
        return;
    }
    let gone = {
        let (_irq, mut files) = lock();
        let Some(m) = files.get_mut(&key(node)) else { return };
        let gone = m.pages.split_off(&size.div_ceil(PAGE));
        if size % PAGE != 0 {
            if let Some(page) = m.pages.get(&(size / PAGE)) {
                page.zero((size % PAGE) as usize, PAGE as usize);
            }
        }
        PAGES.fetch_sub(gone.len(), Ordering::Relaxed);
        gone
    };
    if gone.is_empty() {
        return;
    }
    let mut pas: Vec<u64> = gone.values().map(SharedFrame::pa).collect();
    pas.sort_unstable();
    crate::process::revoke_pages(&pas);
}

/// Pages to write back: per file, its inode and page indices.
type Targets = Vec<(usize, Arc<dyn Inode>, Vec<u64>)>;

/// The pages `pick` chooses (small: indices only; the bytes are copied
/// one page at a time by `flush`, so a mapping of any size is written
/// back with two pages of heap).
fn targets(pick: &dyn Fn(usize, &SharedFrame) -> bool) -> Result<Targets, Errno> {
    let mut out: Targets = Vec::new();
    let (_irq, files) = lock();
    for (&key, m) in files.iter() {
        let mut indices = Vec::new();
        for (&index, page) in &m.pages {
            if pick(key, page) {
                indices.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
                indices.push(index);
            }
        }
        if !indices.is_empty() {
            out.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
            out.push((key, m.node.clone(), indices));
        }
    }
    Ok(out)
}

/// Writes `bytes` (page `index` of `node`) inside the file's size where
/// the file differs (`now`: scratch for the file's bytes).
fn write_back(node: &dyn Inode, index: u64, bytes: &[u8], now: &mut [u8]) -> Result<(), Errno> {
    let size = node.getattr()?.size;
    let start = index * PAGE;
    if start >= size {
        return Ok(());
    }
    let len = (size - start).min(PAGE) as usize;
    let mut got = 0;
    while got < len {
        let n = node.read_at(start + got as u64, &mut now[got..len])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if got == len && now[..len] == bytes[..len] {
        return Ok(());
    }
    let mut done = 0;
    while done < len {
        let n = node.write_at(start + done as u64, &bytes[done..len])?;
        if n == 0 {
            return Err(Errno::EIO);
        }
        done += n;
    }
    Ok(())
}

/// Writes back the pages of `list`; with `drop_unmapped`, then drops those
/// no mapping held and whose bytes did not change meanwhile. Every page is
/// tried; the first error is returned.
fn flush(list: Targets, drop_unmapped: bool) -> Result<(), Errno> {
    let mut bytes = alloc::vec![0u8; PAGE as usize];
    let mut now = alloc::vec![0u8; PAGE as usize];
    let mut result = Ok(());
    for (key, node, indices) in &list {
        for &index in indices {
            let unmapped = {
                let (_irq, files) = lock();
                let Some(page) = files.get(key).and_then(|m| m.pages.get(&index)) else { continue };
                page.read(0, &mut bytes);
                page.refs() == 1
            };
            if let Err(e) = write_back(&**node, index, &bytes, &mut now) {
                result = result.and(Err(e));
                continue;
            }
            if !(drop_unmapped && unmapped) {
                continue;
            }
            let (_irq, mut files) = lock();
            let Some(m) = files.get_mut(key) else { continue };
            let same = m.pages.get(&index).is_some_and(|p| {
                p.read(0, &mut now);
                p.refs() == 1 && now == bytes
            });
            if same {
                m.pages.remove(&index);
                PAGES.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
    drop(list);
    // Files left without pages go (their inode and mount with them); the
    // inodes are let go after the table's lock.
    let mut gone = Vec::new();
    {
        let (_irq, mut files) = lock();
        let empty: Vec<usize> = files.iter().filter(|(_, m)| m.pages.is_empty()).map(|(k, _)| *k).collect();
        for k in empty {
            gone.extend(files.remove(&k));
        }
    }
    drop(gone);
    result
}

/// Every mapped page of `node` written back into it (fsync, msync).
pub fn sync_file(node: &dyn Inode) -> Result<(), Errno> {
    if PAGES.load(Ordering::Relaxed) == 0 {
        return Ok(());
    }
    let k = key(node);
    flush(targets(&|key, _| key == k)?, false)
}

/// The mapped pages whose frames are `pas` (sorted) written back; their
/// files, to sync (msync MS_SYNC).
pub fn sync_frames(pas: &[u64]) -> Result<Vec<Arc<dyn Inode>>, Errno> {
    let list = targets(&|_, p| pas.binary_search(&p.pa()).is_ok())?;
    let nodes = list.iter().map(|(_, node, _)| node.clone()).collect();
    flush(list, false)?;
    Ok(nodes)
}

/// Every mapped page written back; those no mapping holds any more
/// dropped (sync, umount, the periodic flusher, munmap).
pub fn collect() -> Result<(), Errno> {
    if lock().1.is_empty() {
        return Ok(());
    }
    flush(targets(&|_, _| true)?, true)
}

/// Only the pages no mapping holds: written back and dropped (munmap).
pub fn collect_unmapped() {
    if PAGES.load(Ordering::Relaxed) == 0 {
        return;
    }
    if let Ok(list) = targets(&|_, p| p.refs() == 1) {
        let _ = flush(list, true);
    }
}
