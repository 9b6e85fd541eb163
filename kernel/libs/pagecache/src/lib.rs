//! The policy of the kernel's write-back page cache, without its I/O: which
//! pages of which device are held, which are dirty and since when, which to
//! evict first (least recently used, clean ones only) and which runs of
//! dirty pages to write back (in device order, consecutive pages merged, as
//! Linux's block layer merges adjacent buffers).
//!
//! The kernel (`kernel/src/block/cache.rs`) owns the pages (frames), does
//! the reads and writes and calls in here to decide. Pages are generic
//! (`P`) so host tests use plain vectors.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// A page of a device: the device's id and the page's index on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub dev: u32,
    pub index: u64,
}

impl Key {
    pub const fn new(dev: u32, index: u64) -> Key {
        Key { dev, index }
    }
}

/// Consecutive dirty pages of one device: `first..first + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub dev: u32,
    pub first: u64,
    pub count: usize,
}

impl Run {
    pub fn keys(&self) -> impl Iterator<Item = Key> + '_ {
        (self.first..self.first + self.count as u64).map(move |i| Key::new(self.dev, i))
    }
}

/// Thresholds, in pages and in the caller's time unit (the kernel uses
/// milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Pages held at most; past it the least recently used clean pages go.
    pub max_pages: usize,
    /// Dirty pages at most before the writer itself writes back (Linux's
    /// `dirty_ratio`, here a page count: the kernel sets 1/5 of RAM).
    pub dirty_limit: usize,
    /// Dirty data older than this is written back by the periodic flusher
    /// (Linux's `dirty_expire_centisecs`).
    pub dirty_expire: u64,
}

struct Entry<P> {
    page: P,
    /// Last use (larger: more recent).
    stamp: u64,
    /// The key of this page in `lru` (clean pages only). A use only moves
    /// `stamp`; eviction puts a page used since it was queued back in line
    /// (a lazy LRU: reads touch no tree).
    queued: u64,
    dirty: bool,
}

pub struct PageCache<P> {
    pages: BTreeMap<Key, Entry<P>>,
    /// Clean pages by stamp: eviction order.
    lru: BTreeMap<u64, Key>,
    dirty: BTreeSet<Key>,
    clock: u64,
    /// When the oldest data still dirty was dirtied (None: nothing dirty).
    /// Conservative: a partial write-back keeps it, so the flusher may
    /// come early, never late.
    dirty_since: Option<u64>,
    limits: Limits,
}

impl<P> PageCache<P> {
    pub const fn new(limits: Limits) -> PageCache<P> {
        PageCache {
            pages: BTreeMap::new(),
            lru: BTreeMap::new(),
            dirty: BTreeSet::new(),
            clock: 0,
            dirty_since: None,
            limits,
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Pages held.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// Dirty pages held.
    pub fn dirty_len(&self) -> usize {
        self.dirty.len()
    }

    /// Clean pages held (what eviction can free without I/O).
    pub fn clean_len(&self) -> usize {
        self.lru.len()
    }

    pub fn contains(&self, key: Key) -> bool {
        self.pages.contains_key(&key)
    }

    pub fn is_dirty(&self, key: Key) -> bool {
        self.dirty.contains(&key)
    }

    /// True when no more page may be added before some are evicted.
    pub fn is_full(&self) -> bool {
        self.pages.len() >= self.limits.max_pages
    }

    /// True when writers must write back before going on.
    pub fn over_dirty_limit(&self) -> bool {
        self.dirty.len() > self.limits.dirty_limit
    }

    /// True when dirty data has waited `dirty_expire` or longer at `now`.
    pub fn expired(&self, now: u64) -> bool {
        self.dirty_since.is_some_and(|t| now.saturating_sub(t) >= self.limits.dirty_expire)
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// A page to read; it becomes the most recently used.
    pub fn get(&mut self, key: Key) -> Option<&P> {
        let stamp = self.tick();
        let e = self.pages.get_mut(&key)?;
        e.stamp = stamp;
        Some(&e.page)
    }

    /// A page to change: it becomes dirty (at `now`) and most recently used.
    pub fn get_mut(&mut self, key: Key, now: u64) -> Option<&mut P> {
        let stamp = self.tick();
        let e = self.pages.get_mut(&key)?;
        if !e.dirty {
            self.lru.remove(&e.queued);
            e.dirty = true;
            self.dirty.insert(key);
            self.dirty_since.get_or_insert(now);
        }
        e.stamp = stamp;
        Some(&mut e.page)
    }

    /// A page without touching its LRU position (write-back reads it).
    pub fn peek(&self, key: Key) -> Option<&P> {
        self.pages.get(&key).map(|e| &e.page)
    }

    /// Adds a page (clean, or dirty since `now`); a page already held
    /// under `key` is replaced and returned.
    pub fn insert(&mut self, key: Key, page: P, dirty: bool, now: u64) -> Option<P> {
        let old = self.remove(key).map(|(p, _)| p);
        let stamp = self.tick();
        if dirty {
            self.dirty.insert(key);
            self.dirty_since.get_or_insert(now);
        } else {
            self.lru.insert(stamp, key);
        }
        self.pages.insert(key, Entry { page, stamp, queued: stamp, dirty });
        old
    }

    /// Takes a page out, with whether it was dirty (its data is then the
    /// caller's to write or lose).
    pub fn remove(&mut self, key: Key) -> Option<(P, bool)> {
        let e = self.pages.remove(&key)?;
        if e.dirty {
            self.dirty.remove(&key);
            if self.dirty.is_empty() {
                self.dirty_since = None;
            }
        } else {
            self.lru.remove(&e.queued);
        }
        Some((e.page, e.dirty))
    }

    /// Takes out up to `want` clean pages, least recently used first.
    pub fn evict_clean(&mut self, want: usize) -> Vec<P> {
        let mut out = Vec::new();
        while out.len() < want {
            let Some((queued, key)) = self.lru.pop_first() else { break };
            let Some(e) = self.pages.get_mut(&key) else { continue };
            if e.stamp != queued {
                // Used since it was queued: back in line at its last use.
                e.queued = e.stamp;
                self.lru.insert(e.stamp, key);
                continue;
            }
            if let Some(e) = self.pages.remove(&key) {
                out.push(e.page);
            }
        }
        out
    }

    /// Takes out every clean page of `dev` (BLKFLSBUF, a device going away).
    pub fn evict_device(&mut self, dev: u32) -> Vec<P> {
        let keys: Vec<Key> = self
            .pages
            .range(Key::new(dev, 0)..=Key::new(dev, u64::MAX))
            .filter(|(_, e)| !e.dirty)
            .map(|(k, _)| *k)
            .collect();
        keys.into_iter().filter_map(|k| self.remove(k).map(|(p, _)| p)).collect()
    }

    /// True when `dev` (or, with None, any device) has dirty pages.
    pub fn has_dirty(&self, dev: Option<u32>) -> bool {
        match dev {
            None => !self.dirty.is_empty(),
            Some(d) => self.dirty.range(Key::new(d, 0)..=Key::new(d, u64::MAX)).next().is_some(),
        }
    }

    /// The first run of dirty pages at or after `from` (of `dev` only, when
    /// given): consecutive pages of one device, `max` at most.
    pub fn next_run(&self, from: Key, dev: Option<u32>, max: usize) -> Option<Run> {
        let end = match dev {
            Some(d) => Key::new(d, u64::MAX),
            None => Key::new(u32::MAX, u64::MAX),
        };
        let start = match dev {
            Some(d) if from.dev < d => Key::new(d, 0),
            _ => from,
        };
        if start > end {
            return None;
        }
        let mut it = self.dirty.range(start..=end);
        let first = *it.next()?;
        let mut count = 1;
        for k in it {
            if count >= max || k.dev != first.dev || k.index != first.index + count as u64 {
                break;
            }
            count += 1;
        }
        Some(Run { dev: first.dev, first: first.index, count })
    }

    /// A span to write back from the first dirty page at or after `from`:
    /// runs of dirty pages of one device joined across gaps of at most
    /// `max_gap` pages, `max` pages in all. The gaps (clean or missing
    /// pages) are written too, with the bytes the device already holds, so
    /// that changes to nearby blocks (a filesystem's bitmaps, group
    /// descriptors, inode table and directory) reach the device in one
    /// request: a power cut sees all of them or none.
    pub fn next_span(&self, from: Key, dev: Option<u32>, max: usize, max_gap: u64) -> Option<Run> {
        let mut span = self.next_run(from, dev, max)?;
        loop {
            let end = span.first + span.count as u64;
            let Some(next) = self.next_run(Key::new(span.dev, end), Some(span.dev), max) else { break };
            let gap = next.first - end;
            let total = (next.first + next.count as u64 - span.first) as usize;
            if gap > max_gap || total > max {
                break;
            }
            span.count = total;
        }
        Some(span)
    }

    /// The pages of `run` reached the device: they are clean now, and keep
    /// their place in the LRU order.
    pub fn mark_clean(&mut self, run: Run) {
        for key in run.keys() {
            if let Some(e) = self.pages.get_mut(&key) {
                if e.dirty {
                    e.dirty = false;
                    self.dirty.remove(&key);
                    e.queued = e.stamp;
                    self.lru.insert(e.stamp, key);
                }
            }
        }
        if self.dirty.is_empty() {
            self.dirty_since = None;
        }
    }
}

#[cfg(test)]
mod tests;
