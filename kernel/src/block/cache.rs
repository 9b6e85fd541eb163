//! The page cache: one write-back cache of 4 KiB disk pages shared by the
//! block device nodes (/dev/vda, /dev/vda1, ...) and the filesystems on
//! them (ext2 reads and writes its blocks, data and metadata, through it).
//! Pages are keyed by their place on the whole disk, so a partition and its
//! disk see the same bytes.
//!
//! Policy (LRU, dirty tracking, runs, thresholds) is `kernel-pagecache`;
//! this module owns the pages (frames, outside the kernel heap) and does
//! the I/O. Writes only dirty pages; they reach the disk when:
//! - `sync`, `fsync`/`fdatasync`, `syncfs`, `umount`, BLKFLSBUF write back
//!   a disk (`sync_disk`) or all of them (`sync_all`), then FLUSH;
//! - the periodic flusher (pid 0, every `INTERVAL_MS`) finds data dirty for
//!   `EXPIRE_MS` or more (Linux's writeback, which wakes every 5 s);
//! - a writer pushes the dirty pages past `dirty_limit` (1/5 of the
//!   memory free or in the cache, as Linux's dirty_ratio is of available
//!   memory) and writes back itself (Linux's `balance_dirty_pages`);
//! - the cache needs room (it stops growing while free memory is below
//!   `low_water`): clean pages go first, least recently used, and only
//!   when none is left are dirty ones written back to become clean.
//!
//! Memory pressure from elsewhere: a frame allocation that fails calls
//! `shrink`, which frees clean pages when the cache is not busy; a write
//! to an in-memory file first calls `make_room`, which waits for the
//! cache and writes dirty pages back if freeing clean ones is not enough. When no
//! page can be had at all, reads and writes go to the disk directly
//! (uncached): nothing here panics for want of memory.
//!
//! Writes go out in disk order, consecutive dirty pages merged into one
//! request (up to the driver's bounce buffer), as Linux's block layer
//! merges adjacent buffers. The cache is one sleeping lock held across its
//! I/O: the disk does one request at a time anyway.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use kernel_abi::Errno;
use kernel_pagecache::{Key, Limits, PageCache, Run};

use crate::drivers::virtio::blk::{Disk, MAX_REQUEST, SECTOR};
use crate::mm::page_table::Frame;
use crate::process::sleep_lock::{SleepGuard, SleepLock};

const PAGE: usize = 4096;
const SECTORS_PER_PAGE: u64 = (PAGE / SECTOR) as u64;
/// Pages in one write-back request at most.
const MAX_RUN: usize = MAX_REQUEST / PAGE;
/// Pages read at once on a miss; a miss right where the last read-ahead
/// ended (a sequential reader) doubles the window, up to `MAX_RUN`.
const READ_AHEAD: usize = 32;
/// The last read-ahead: its disk, the page after it, its window.
static READ_AHEAD_STATE: spin::Mutex<(u32, u64, usize)> = spin::Mutex::new((0, 0, READ_AHEAD));
/// Clean pages a write-back span may bridge (`PageCache::next_span`):
/// on a small ext2, group 0's descriptors, bitmaps, inode table and first
/// directory and data blocks then go in one request.
const MAX_GAP: u64 = 160;
/// How often the periodic flusher looks (Linux: dirty_writeback_centisecs).
pub const INTERVAL_MS: u64 = 5000;
/// How old dirty data gets before the flusher writes it.
pub const EXPIRE_MS: u64 = 5000;

static CACHE: SleepLock<PageCache<Frame>> =
    SleepLock::new(PageCache::new(Limits { max_pages: 0, dirty_limit: 0, dirty_expire: EXPIRE_MS }));
/// Free frames below which the cache takes no new page without evicting one.
static LOW_WATER: AtomicU64 = AtomicU64::new(0);
/// When the periodic flusher looks next (milliseconds since boot).
static NEXT_FLUSH: AtomicU64 = AtomicU64::new(INTERVAL_MS);

fn now_ms() -> u64 {
    crate::arch::timer::now_ns() / 1_000_000
}

/// Sizes the cache from RAM (at boot, before the first disk I/O).
pub fn init() {
    let (total, _) = crate::mm::frame::stats();
    let limits = Limits { max_pages: total / 2, dirty_limit: total / 5, dirty_expire: EXPIRE_MS };
    CACHE.lock().set_limits(limits);
    LOW_WATER.store((total / 8).max(crate::fs::pages::RESERVED_FRAMES * 2) as u64, Ordering::Relaxed);
}

fn key(disk: &Disk, index: u64) -> Key {
    Key::new(disk.intid, index)
}

fn disk_by_id(id: u32) -> Option<&'static Arc<Disk>> {
    crate::drivers::virtio::disks().iter().find(|d| d.intid == id)
}

/// Bytes of page `index` that lie on the disk (the last page may be short).
fn page_bytes(disk: &Disk, index: u64) -> usize {
    let first = index * SECTORS_PER_PAGE;
    (disk.sectors.saturating_sub(first).min(SECTORS_PER_PAGE) as usize) * SECTOR
}

fn free_frames() -> u64 {
    crate::mm::frame::stats().1 as u64
}

/// A frame for a new page, making room first; None when memory is short
/// even then (the caller goes to the disk directly). Not zeroed: every
/// caller fills the whole page (`fill_page`) before it enters the cache.
fn new_page(c: &mut SleepGuard<'_, PageCache<Frame>>) -> Option<Frame> {
    if c.is_full() || free_frames() < LOW_WATER.load(Ordering::Relaxed) {
        if c.clean_len() == 0 && c.dirty_len() > 0 {
            // Only dirty pages left to give back: write them, then evict.
            let _ = writeback_locked(c, None, usize::MAX);
        }
        drop(c.evict_clean(READ_AHEAD));
        if free_frames() < LOW_WATER.load(Ordering::Relaxed) / 2 || c.is_full() {
            return None;
        }
    }
    Frame::alloc_unzeroed()
}

/// The part of page `index` on the disk (`page_bytes`), with the rest of
/// the frame (past the disk's end) zeroed: a new page's frame holds stale
/// bytes until it is filled.
fn disk_part<'a>(disk: &Disk, index: u64, f: &'a mut Frame) -> &'a mut [u8] {
    let n = page_bytes(disk, index);
    let (part, tail) = f.bytes_mut().split_at_mut(n);
    tail.fill(0);
    part
}

/// Reads pages `index..` (those missing, `MAX_RUN` at most, not past the
/// disk's end) into the cache in one request: read-ahead for sequential
/// readers. Returns false when no page could be had.
fn fill(c: &mut SleepGuard<'_, PageCache<Frame>>, disk: &Disk, index: u64, want: usize) -> Result<bool, Errno> {
    let mut frames = Vec::new();
    let last = disk.sectors.div_ceil(SECTORS_PER_PAGE);
    while frames.len() < want.clamp(1, MAX_RUN) {
        let i = index + frames.len() as u64;
        if i >= last || c.contains(key(disk, i)) {
            break;
        }
        match new_page(c) {
            Some(f) => frames.push(f),
            None => break,
        }
    }
    if frames.is_empty() {
        return Ok(false);
    }
    {
        let mut parts: Vec<&mut [u8]> = Vec::with_capacity(frames.len());
        for (k, f) in frames.iter_mut().enumerate() {
            parts.push(disk_part(disk, index + k as u64, f));
        }
        disk.read_parts(index * SECTORS_PER_PAGE, &mut parts)?;
    }
    let now = now_ms();
    for (k, f) in frames.into_iter().enumerate() {
        c.insert(key(disk, index + k as u64), f, false, now);
    }
    Ok(true)
}

/// One page-sized piece of a sector range: page, offset in it, length.
fn pieces(sector: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize, usize)> {
    let mut done = 0;
    core::iter::from_fn(move || {
        if done >= len {
            return None;
        }
        let s = sector + (done / SECTOR) as u64;
        let index = s / SECTORS_PER_PAGE;
        let skip = ((s % SECTORS_PER_PAGE) as usize) * SECTOR;
        let n = (len - done).min(PAGE - skip);
        let piece = (index, skip, n, done);
        done += n;
        Some(piece)
    })
}

/// Reads whole sectors at `sector` of `disk` through the cache.
pub fn read(disk: &Disk, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
    check(disk, sector, buf.len())?;
    let mut c = CACHE.lock();
    for (index, skip, n, done) in pieces(sector, buf.len()) {
        // A hit costs one lookup.
        if let Some(page) = c.get(key(disk, index)) {
            buf[done..done + n].copy_from_slice(&page.bytes()[skip..skip + n]);
            continue;
        }
        if !fill(&mut c, disk, index, read_ahead(disk, index))? {
            disk.read(sector + (done / SECTOR) as u64, &mut buf[done..done + n])?;
            continue;
        }
        let page = c.get(key(disk, index)).ok_or(Errno::EIO)?;
        buf[done..done + n].copy_from_slice(&page.bytes()[skip..skip + n]);
    }
    Ok(())
}

/// The read-ahead window for a miss at page `index` (and the state the
/// next miss is judged by).
fn read_ahead(disk: &Disk, index: u64) -> usize {
    let mut st = READ_AHEAD_STATE.lock();
    let window = if st.0 == disk.intid && st.1 == index { (st.2 * 2).min(MAX_RUN) } else { READ_AHEAD };
    *st = (disk.intid, index + window as u64, window);
    window
}

/// Writes whole sectors at `sector` of `disk` into the cache (dirty pages;
/// a page only partly written is read first). Past the dirty limit the
/// writer writes back before returning.
pub fn write(disk: &Disk, sector: u64, data: &[u8]) -> Result<(), Errno> {
    if disk.readonly {
        return Err(Errno::EROFS);
    }
    check(disk, sector, data.len())?;
    let mut c = CACHE.lock();
    for (index, skip, n, done) in pieces(sector, data.len()) {
        let k = key(disk, index);
        let now = now_ms();
        if !c.contains(k) {
            let whole = skip == 0 && n == page_bytes(disk, index);
            let cached = if whole {
                match new_page(&mut c) {
                    Some(mut f) => {
                        disk_part(disk, index, &mut f).copy_from_slice(&data[done..done + n]);
                        c.insert(k, f, true, now);
                        continue;
                    }
                    None => false,
                }
            } else {
                // Read-ahead here too: small files written one after
                // another fill the blocks of the same pages in turn.
                fill(&mut c, disk, index, read_ahead(disk, index))?
            };
            if !cached {
                disk.write(sector + (done / SECTOR) as u64, &data[done..done + n])?;
                continue;
            }
        }
        let page = c.get_mut(k, now).ok_or(Errno::EIO)?;
        page.bytes_mut()[skip..skip + n].copy_from_slice(&data[done..done + n]);
    }
    // The dirty limit is 1/5 of the memory the cache could have (free
    // frames and its own pages), as Linux's dirty_ratio is of available
    // memory: when other users take memory, writers write back sooner.
    let mut limits = c.limits();
    limits.dirty_limit = ((free_frames() as usize + c.len()) / 5).max(MAX_RUN);
    c.set_limits(limits);
    if c.over_dirty_limit() {
        let target = c.limits().dirty_limit / 2;
        writeback_locked(&mut c, None, target)?;
    }
    Ok(())
}

/// A writer about to need `pages` frames outside the cache (tmpfs data,
/// which takes frames where it cannot sleep): when free memory is short,
/// the cache gives back clean pages first, and writes dirty ones back to
/// give those too if that is what it takes. Sleeps (the cache may be
/// busy writing back): call it with no spinlock held.
pub fn make_room(pages: usize) {
    let want = (pages + crate::fs::pages::RESERVED_FRAMES * 2) as u64;
    if free_frames() >= want {
        return;
    }
    let mut c = CACHE.lock();
    let short = want.saturating_sub(free_frames()) as usize;
    let got = c.evict_clean(short).len();
    if got < short && c.dirty_len() > 0 {
        let _ = writeback_locked(&mut c, None, 0);
        drop(c.evict_clean(short - got));
    }
}

fn check(disk: &Disk, sector: u64, len: usize) -> Result<(), Errno> {
    let count = (len / SECTOR) as u64;
    if len % SECTOR != 0 || sector.checked_add(count).is_none_or(|end| end > disk.sectors) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Writes dirty pages (of disk `dev`, or of every disk) in disk order,
/// consecutive pages merged, until at most `keep` stay dirty. Every run is
/// tried; the first error is returned (the pages it failed on are given
/// up as clean, as Linux drops a page whose write-back failed).
fn writeback_locked(c: &mut SleepGuard<'_, PageCache<Frame>>, dev: Option<u32>, keep: usize) -> Result<(), Errno> {
    let mut from = Key::new(dev.unwrap_or(0), 0);
    let mut result = Ok(());
    while c.dirty_len() > keep {
        let Some(run) = c.next_span(from, dev, MAX_RUN, MAX_GAP) else { break };
        // The gaps must be in the cache to be written; when they cannot
        // be (no memory), the dirty pages go on their own.
        let run = if fill_gaps(c, run) { run } else { c.next_run(from, dev, MAX_RUN).unwrap_or(run) };
        if let Err(e) = write_run(c, run) {
            result = result.and(Err(e));
        }
        c.mark_clean(run);
        from = Key::new(run.dev, run.first + run.count as u64);
    }
    result
}

/// Reads the pages of `run` the cache lacks; false when it cannot.
fn fill_gaps(c: &mut SleepGuard<'_, PageCache<Frame>>, run: Run) -> bool {
    let Some(disk) = disk_by_id(run.dev) else { return false };
    let end = run.first + run.count as u64;
    let mut i = run.first;
    while i < end {
        if c.contains(Key::new(run.dev, i)) {
            i += 1;
            continue;
        }
        let missing = (i..end).take_while(|&j| !c.contains(Key::new(run.dev, j))).count();
        match fill(c, disk, i, missing) {
            Ok(true) => {}
            _ => return false,
        }
    }
    // Making room may have evicted a page of the span read before.
    run.keys().all(|k| c.contains(k))
}

fn write_run(c: &SleepGuard<'_, PageCache<Frame>>, run: Run) -> Result<(), Errno> {
    let disk = disk_by_id(run.dev).ok_or(Errno::EIO)?;
    let mut parts: Vec<&[u8]> = Vec::with_capacity(run.count);
    for k in run.keys() {
        let page = c.peek(k).ok_or(Errno::EIO)?;
        parts.push(&page.bytes()[..page_bytes(disk, k.index)]);
    }
    disk.write_parts(run.first * SECTORS_PER_PAGE, &parts)
}

/// Everything dirty of `disk` to the disk, then FLUSH: fsync of a block
/// device, a filesystem's sync, umount.
pub fn sync_disk(disk: &Disk) -> Result<(), Errno> {
    let written = writeback_locked(&mut CACHE.lock(), Some(disk.intid), 0);
    let flushed = disk.flush();
    written.and(flushed)
}

/// Everything dirty of every disk, then FLUSH on each (sync(2)).
pub fn sync_all() -> Result<(), Errno> {
    let mut result = writeback_locked(&mut CACHE.lock(), None, 0);
    for disk in crate::drivers::virtio::disks() {
        result = result.and(disk.flush());
    }
    result
}

/// BLKFLSBUF: `disk` written back and flushed, its clean pages dropped.
pub fn invalidate(disk: &Disk) -> Result<(), Errno> {
    let mut c = CACHE.lock();
    let written = writeback_locked(&mut c, Some(disk.intid), 0);
    drop(c.evict_device(disk.intid));
    drop(c);
    written.and(disk.flush())
}

/// True when the periodic flusher should look (cheap: checked every tick).
pub fn flush_due() -> bool {
    now_ms() >= NEXT_FLUSH.load(Ordering::Relaxed)
}

/// The periodic flusher's round: when data has been dirty for `EXPIRE_MS`,
/// every mounted filesystem writes back (ext2 its bitmaps and superblock
/// too) and every disk's dirty pages go out, then FLUSH.
pub fn periodic() {
    let now = now_ms();
    NEXT_FLUSH.store(now + INTERVAL_MS, Ordering::Relaxed);
    if !CACHE.lock().expired(now) {
        return;
    }
    for m in crate::fs::ns().mounts() {
        let _ = m.sb.fs.sync();
    }
    if let Err(e) = sync_all() {
        printk!(crate::printk::LEVEL_ERR, "writeback: {}", e.name());
    }
}

/// Memory pressure (a frame allocation failed): frees up to `want` clean
/// pages if the cache is not in use; returns how many went.
pub fn shrink(want: usize) -> usize {
    match CACHE.try_lock() {
        Some(mut c) => c.evict_clean(want).len(),
        None => 0,
    }
}

/// Clean pages the cache would give back under pressure (MemAvailable).
pub fn reclaimable_pages() -> usize {
    CACHE.try_lock().map_or(0, |c| c.clean_len())
}

/// `(pages, dirty pages)` held (/proc/meminfo Cached and Dirty).
pub fn stats() -> (usize, usize) {
    CACHE.try_lock().map_or((0, 0), |c| (c.len(), c.dirty_len()))
}
