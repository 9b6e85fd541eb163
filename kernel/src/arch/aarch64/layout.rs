//! The kernel's memory layout: the linear map (`KERNEL_OFFSET + physical`)
//! and the linker-script symbols.

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

/// Physical `[start, end)` of the kernel image, bss and boot stack included.
pub fn kernel_phys_range() -> (u64, u64) {
    (KERNEL_PHYS, addr(core::ptr::addr_of!(__kernel_end)) - KERNEL_OFFSET)
}

/// Virtual `[start, end)` of the kernel text (for backtraces).
pub fn kernel_text() -> (u64, u64) {
    (addr(core::ptr::addr_of!(__text_start)), addr(core::ptr::addr_of!(__text_end)))
}

pub fn phys_to_virt(pa: u64) -> u64 {
    pa + KERNEL_OFFSET
}

/// Reads `len` bytes of physical RAM the boot protocol handed over (the
/// DTB, the initrd) as a slice in the linear map. Only RAM ranges in the
/// boot map (GiB 1) are accepted; the caller keeps them reserved in the
/// frame allocator for as long as the slice lives ('static: never freed).
pub fn boot_blob(pa: u64, len: usize) -> Option<&'static [u8]> {
    const RAM: (u64, u64) = (0x4000_0000, 0x8000_0000);
    let end = pa.checked_add(len as u64)?;
    if pa < RAM.0 || end > RAM.1 {
        return None;
    }
    // SAFETY: the range lies in RAM mapped by the boot page table, it is
    // not part of the kernel image, and nothing writes to it (reserved).
    Some(unsafe { core::slice::from_raw_parts(phys_to_virt(pa) as *const u8, len) })
}
