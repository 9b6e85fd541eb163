//! Physical frame allocator: a bitmap over one contiguous range of 4 KiB
//! frames, searched from a hint, and recently freed frames handed
//! out again first (last in, first out, as Linux's per-CPU lists of hot
//! pages): their memory is in the caches and, under an emulator, already
//! backed by the host, where a frame never touched costs a host fault.
//! Pure bookkeeping over addresses (it never touches the memory), so it is
//! tested on the host.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

pub const FRAME_SIZE: u64 = 4096;

pub struct FrameAllocator {
    base: u64,
    frames: usize,
    /// Bit set = frame in use.
    bits: Vec<u64>,
    free: usize,
    hint: usize,
    /// Indices of recently freed frames, the latest last (at most
    /// `HOT_MAX`); an entry may have been taken since by `reserve` or
    /// `alloc_contiguous`, so `alloc` checks the bitmap.
    hot: Vec<u32>,
}

/// Recently freed frames remembered at most.
const HOT_MAX: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeError {
    /// Not a frame-aligned address inside the managed range.
    OutOfRange,
    /// The frame was already free.
    DoubleFree,
}

impl FrameAllocator {
    /// Manages the whole frames inside `[start, end)` (rounded inwards), all free.
    pub fn new(start: u64, end: u64) -> FrameAllocator {
        let base = start.div_ceil(FRAME_SIZE) * FRAME_SIZE;
        let top = end / FRAME_SIZE * FRAME_SIZE;
        let frames = top.saturating_sub(base) / FRAME_SIZE;
        let frames = frames as usize;
        let mut bits = vec![0u64; frames.div_ceil(64)];
        // Bits past the end are permanently "used".
        for i in frames..bits.len() * 64 {
            bits[i / 64] |= 1 << (i % 64);
        }
        FrameAllocator { base, frames, bits, free: frames, hint: 0, hot: Vec::with_capacity(HOT_MAX) }
    }

    pub fn total(&self) -> usize {
        self.frames
    }

    pub fn free_frames(&self) -> usize {
        self.free
    }

    /// The physical address of a free frame, now marked used.
    pub fn alloc(&mut self) -> Option<u64> {
        if self.free == 0 {
            return None;
        }
        while let Some(i) = self.hot.pop() {
            let i = i as usize;
            if !self.is_used(i) {
                self.bits[i / 64] |= 1 << (i % 64);
                self.free -= 1;
                return Some(self.base + i as u64 * FRAME_SIZE);
            }
        }
        let words = self.bits.len();
        for step in 0..words {
            let w = (self.hint + step) % words;
            let word = self.bits[w];
            if word != u64::MAX {
                let bit = (!word).trailing_zeros() as usize;
                self.bits[w] |= 1 << bit;
                self.free -= 1;
                self.hint = w;
                return Some(self.base + ((w * 64 + bit) as u64) * FRAME_SIZE);
            }
        }
        None
    }

    /// `count` physically contiguous frames (for DMA); first fit.
    pub fn alloc_contiguous(&mut self, count: usize) -> Option<u64> {
        if count == 0 || count > self.free {
            return None;
        }
        let mut run = 0;
        for i in 0..self.frames {
            if self.is_used(i) {
                run = 0;
                continue;
            }
            run += 1;
            if run == count {
                let first = i + 1 - count;
                for j in first..=i {
                    self.bits[j / 64] |= 1 << (j % 64);
                }
                self.free -= count;
                return Some(self.base + first as u64 * FRAME_SIZE);
            }
        }
        None
    }

    /// Marks `[start, end)` used (the kernel image, the initrd, the DTB).
    pub fn reserve(&mut self, start: u64, end: u64) {
        let first = start.saturating_sub(self.base) / FRAME_SIZE;
        let last = end.saturating_sub(self.base).div_ceil(FRAME_SIZE);
        for i in first as usize..(last as usize).min(self.frames) {
            if !self.is_used(i) {
                self.bits[i / 64] |= 1 << (i % 64);
                self.free -= 1;
            }
        }
    }

    pub fn free(&mut self, addr: u64) -> Result<(), FreeError> {
        if addr < self.base || !addr.is_multiple_of(FRAME_SIZE) {
            return Err(FreeError::OutOfRange);
        }
        let i = ((addr - self.base) / FRAME_SIZE) as usize;
        if i >= self.frames {
            return Err(FreeError::OutOfRange);
        }
        if !self.is_used(i) {
            return Err(FreeError::DoubleFree);
        }
        self.bits[i / 64] &= !(1 << (i % 64));
        self.free += 1;
        if self.hot.len() < HOT_MAX {
            self.hot.push(i as u32);
        } else {
            // Past what the list keeps, the search starts low enough to
            // find these frames before any never used.
            self.hint = self.hint.min(i / 64);
        }
        Ok(())
    }

    fn is_used(&self, i: usize) -> bool {
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_every_frame_once_then_none() {
        let mut a = FrameAllocator::new(0x4000_0000, 0x4000_0000 + 100 * FRAME_SIZE);
        assert_eq!(a.total(), 100);
        let mut got: Vec<u64> = (0..100).map(|_| a.alloc().unwrap()).collect();
        assert_eq!(a.alloc(), None);
        got.sort();
        got.dedup();
        assert_eq!(got.len(), 100);
        assert!(got.iter().all(|&f| f % FRAME_SIZE == 0 && f >= 0x4000_0000));
        a.free(got[42]).unwrap();
        assert_eq!(a.alloc(), Some(got[42]));
    }

    #[test]
    fn rounds_inwards_and_reserves() {
        let mut a = FrameAllocator::new(0x1001, 0x1000 + 10 * FRAME_SIZE + 5);
        assert_eq!(a.total(), 9);
        a.reserve(0x2000, 0x4001);
        assert_eq!(a.free_frames(), 6);
        a.reserve(0x2000, 0x3000); // again: no double count
        assert_eq!(a.free_frames(), 6);
    }

    #[test]
    fn bad_frees_are_errors() {
        let mut a = FrameAllocator::new(0x10000, 0x20000);
        let f = a.alloc().unwrap();
        assert_eq!(a.free(f + 1), Err(FreeError::OutOfRange));
        assert_eq!(a.free(0x30000), Err(FreeError::OutOfRange));
        a.free(f).unwrap();
        assert_eq!(a.free(f), Err(FreeError::DoubleFree));
    }

    #[test]
    fn recently_freed_frames_come_back_first_latest_first() {
        let mut a = FrameAllocator::new(0, 256 * FRAME_SIZE);
        let got: Vec<u64> = (0..200).map(|_| a.alloc().unwrap()).collect();
        a.free(got[3]).unwrap();
        a.free(got[150]).unwrap();
        a.free(got[7]).unwrap();
        // A hot frame taken meanwhile by a contiguous or reserved range is
        // skipped, never handed out twice.
        a.reserve(got[150], got[150] + FRAME_SIZE);
        assert_eq!(a.alloc(), Some(got[7]));
        assert_eq!(a.alloc(), Some(got[3]));
        let next = a.alloc().unwrap();
        assert!(!got.contains(&next), "then the bitmap search: {next:#x}");
        assert_eq!(a.free_frames(), 256 - 200 - 1 + 2 - 2);
    }

    #[test]
    fn contiguous_runs_skip_used_frames() {
        let mut a = FrameAllocator::new(0, 16 * FRAME_SIZE);
        a.reserve(2 * FRAME_SIZE, 3 * FRAME_SIZE);
        assert_eq!(a.alloc_contiguous(4), Some(3 * FRAME_SIZE));
        assert_eq!(a.alloc_contiguous(20), None);
    }
}
