//! Memory-mapped device registers, reached through the linear map.

/// A device register window. Only addresses in the device region of the
/// boot map (below RAM) can be wrapped, so a bad DTB cannot make a driver
/// scribble over RAM.
#[derive(Clone, Copy)]
pub struct Mmio {
    base: u64,
    size: u64,
}

/// Physical device region on QEMU virt (GiB 0 of the boot map).
const DEVICE_END: u64 = 0x4000_0000;

/// True when `[pa, pa + size)` lies in the device region (so it is not RAM).
pub fn is_device_region(pa: u64, size: u64) -> bool {
    pa.checked_add(size).is_some_and(|end| end <= DEVICE_END) && size > 0
}

impl Mmio {
    /// The window `[pa, pa + size)`; None unless it lies in the device
    /// region. Safe: device registers are not Rust memory, and RAM cannot
    /// be wrapped.
    pub fn new(pa: u64, size: u64) -> Option<Mmio> {
        is_device_region(pa, size).then(|| Mmio { base: super::layout::phys_to_virt(pa), size })
    }

    /// True when `len` bytes at `offset` lie inside the window, aligned to `len`.
    fn fits(&self, offset: u64, len: u64) -> bool {
        offset.checked_add(len).is_some_and(|end| end <= self.size) && offset % len == 0
    }

    /// Reads the register at `offset`. Safe: panics outside the window.
    pub fn read32(&self, offset: u64) -> u32 {
        assert!(self.fits(offset, 4), "mmio read outside the window");
        // SAFETY: inside the device window (checked), aligned, mapped as device memory.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    /// Writes the register at `offset`. Safe: panics outside the window.
    pub fn write32(&self, offset: u64, value: u32) {
        assert!(self.fits(offset, 4), "mmio write outside the window");
        // SAFETY: inside the device window (checked), aligned, mapped as device memory.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }

    /// Writes the register at `offset`. Safe: panics outside the window.
    pub fn write64(&self, offset: u64, value: u64) {
        assert!(self.fits(offset, 8), "mmio write outside the window");
        // SAFETY: inside the device window (checked), aligned, mapped as device memory.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u64, value) }
    }

    /// Writes the byte register at `offset`. Safe: panics outside the window.
    pub fn write8(&self, offset: u64, value: u8) {
        assert!(self.fits(offset, 1), "mmio write outside the window");
        // SAFETY: inside the device window (checked), mapped as device memory.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u8, value) }
    }
}
