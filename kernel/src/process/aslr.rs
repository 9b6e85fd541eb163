//! Address-space layout randomisation, as `/proc/sys/kernel/randomize_va_space`
//! sets it: 0 off, 1 the stack top and the mmap base move at every exec,
//! 2 (Linux's default) the brk heap's start too. Static non-PIE programs
//! keep their text where the ELF says (there is no load bias yet).

use core::sync::atomic::{AtomicU8, Ordering};

use kernel_abi::Errno;

use super::exec::STACK_TOP;
use super::memory::MMAP_BASE;
use crate::mm::page_table::PAGE_SIZE;

static LEVEL: AtomicU8 = AtomicU8::new(2);

/// How far each base may move, as on 64-bit arm64 Linux (1 GiB each).
const STACK_RANGE: u64 = 1 << 30;
const MMAP_RANGE: u64 = 1 << 30;
const BRK_RANGE: u64 = 1 << 30;

pub fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// EINVAL unless `level` is 0, 1 or 2.
pub fn set_level(level: u8) -> Result<(), Errno> {
    if level > 2 {
        return Err(Errno::EINVAL);
    }
    LEVEL.store(level, Ordering::Relaxed);
    Ok(())
}

/// Where one exec puts its stack top, mmap base and heap (a gap after the
/// program's end).
pub struct Layout {
    pub stack_top: u64,
    pub mmap_base: u64,
    pub brk_gap: u64,
}

pub fn layout() -> Layout {
    let level = level();
    let pages = |max: u64, on: bool| if on { random_pages(max) } else { 0 };
    Layout {
        stack_top: STACK_TOP - pages(STACK_RANGE, level >= 1),
        mmap_base: MMAP_BASE + pages(MMAP_RANGE, level >= 1),
        brk_gap: pages(BRK_RANGE, level >= 2),
    }
}

/// A random multiple of the page size below `max`.
fn random_pages(max: u64) -> u64 {
    let mut b = [0u8; 8];
    crate::fs::dev::fill_random(&mut b);
    u64::from_le_bytes(b) % (max / PAGE_SIZE) * PAGE_SIZE
}
