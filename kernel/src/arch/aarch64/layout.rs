//! The kernel's memory layout: the linear map (`KERNEL_OFFSET + physical`),
//! the linker-script symbols, and the RAM the boot protocol handed over.

use spin::Mutex;

/// High-half base: VA = KERNEL_OFFSET + PA for all RAM and devices (TTBR1).
pub const KERNEL_OFFSET: u64 = 0xFFFF_FF80_0000_0000;
/// User addresses are below this (TTBR0, 39-bit VAs).
pub const USER_END: u64 = 1 << 39;

/// Where QEMU loads the image (RAM + text_offset, link.ld `KERNEL_PHYS`).
pub const KERNEL_PHYS: u64 = 0x4008_0000;

extern "C" {
    static __kernel_end: u8;
    static __text_start: u8;
    static __text_end: u8;
}

fn addr(sym: *const u8) -> u64 {
    sym as u64
}

/// Physical `[start, end)` of the kernel image, bss, heap and boot stack
/// included. Safe: addresses only.
pub fn kernel_phys_range() -> (u64, u64) {
    (KERNEL_PHYS, addr(core::ptr::addr_of!(__kernel_end)) - KERNEL_OFFSET)
}

/// Virtual `[start, end)` of the kernel text (for backtraces). Safe:
/// addresses only.
pub fn kernel_text() -> (u64, u64) {
    (addr(core::ptr::addr_of!(__text_start)), addr(core::ptr::addr_of!(__text_end)))
}

/// The linear-map address of `pa`. Safe: arithmetic only (reaching the
/// memory is the caller's unsafe block, under its own SAFETY argument).
pub fn phys_to_virt(pa: u64) -> u64 {
    pa + KERNEL_OFFSET
}

/// Most blobs the boot protocol hands over (the DTB, its header, the initrd).
const MAX_BLOBS: usize = 4;

/// The physical ranges `boot_blob` has lent out, until the frame
/// allocator takes them over (`seal_boot_blobs`).
struct BootBlobs {
    ranges: [(u64, u64); MAX_BLOBS],
    count: usize,
    sealed: bool,
}

static BLOBS: Mutex<BootBlobs> = Mutex::new(BootBlobs { ranges: [(0, 0); MAX_BLOBS], count: 0, sealed: false });

/// `len` bytes of physical RAM the boot protocol handed over (the DTB, the
/// initrd), read-only for the rest of the kernel's life.
///
/// Safe to call with any range: it lends only RAM inside the boot map (GiB
/// 1) that is not the kernel image (whose data, bss and heap the kernel
/// writes), and only before `seal_boot_blobs`, which hands every lent range
/// to the frame allocator to keep out of its free list forever. The image
/// and allocated frames are the only RAM the kernel writes, so nothing
/// writes what a blob covers while the `'static` slice lives. None otherwise.
pub fn boot_blob(pa: u64, len: usize) -> Option<&'static [u8]> {
    const RAM: (u64, u64) = (0x4000_0000, 0x8000_0000);
    let end = pa.checked_add(len as u64)?;
    let image = kernel_phys_range();
    if pa < RAM.0 || end > RAM.1 || (pa < image.1 && end > image.0) {
        return None;
    }
    let mut blobs = BLOBS.lock();
    if blobs.sealed || blobs.count == MAX_BLOBS {
        return None;
    }
    let i = blobs.count;
    blobs.ranges[i] = (pa, end);
    blobs.count += 1;
    // SAFETY: the range lies in RAM mapped by the boot page table, it is
    // not part of the kernel image, and it is now recorded: the frame
    // allocator reserves it at init (`seal_boot_blobs`), so nothing ever
    // writes to it.
    Some(unsafe { core::slice::from_raw_parts(phys_to_virt(pa) as *const u8, len) })
}

/// Ends lending: every range `boot_blob` lent, `[start, end)`, for the
/// frame allocator to reserve; `boot_blob` returns None from now on.
/// Safe: it only reads and closes the table.
pub fn seal_boot_blobs() -> impl Iterator<Item = (u64, u64)> {
    let mut blobs = BLOBS.lock();
    blobs.sealed = true;
    let (ranges, count) = (blobs.ranges, blobs.count);
    ranges.into_iter().take(count)
}
