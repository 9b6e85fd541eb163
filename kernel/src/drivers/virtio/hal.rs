//! The unsafe half of the virtio drivers: `virtio-drivers`' `Hal` over the
//! frame allocator and the linear map, the MMIO transport over a DTB window,
//! and `BlkQueue`, the one safe door to the crate's non-blocking block
//! requests (whose buffers the device owns until the request completes).
//!
//! DMA memory is always kernel memory in the linear map: rings and the
//! bounce buffer are contiguous frames from the frame allocator, request
//! headers live in the kernel heap (.bss, also linear). No user pointer ever
//! reaches the device: block I/O is copied through the bounce buffer.

use alloc::boxed::Box;
use core::ptr::NonNull;

use virtio_drivers::device::blk::{BlkReq, BlkResp, VirtIOBlk, SECTOR_SIZE};
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::DeviceType;
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

use crate::arch::layout::{phys_to_virt, KERNEL_OFFSET};
use crate::arch::mmio::is_device_region;
use crate::mm::frame;

const PAGE: usize = 4096;

/// `virtio-drivers`' platform layer for this kernel.
pub struct KernelHal;

/// Physical address of kernel memory reached through the linear map. The
/// only buffers the drivers hand the device are the rings, the bounce
/// buffer (frames) and the heap-boxed request header and status, all
/// linear-map memory; anything else is a kernel bug, caught here.
fn linear_to_phys(va: u64) -> u64 {
    assert!(va >= KERNEL_OFFSET, "virtio: buffer at {va:#x} is not in the linear map");
    va - KERNEL_OFFSET
}

// SAFETY: `dma_alloc` returns zeroed, page-aligned, physically contiguous
// frames that the frame allocator hands out once (so nothing else uses
// them until `dma_dealloc` returns them); their linear-map address is the
// CPU's view of the same memory. `share` gives the device the physical
// address of linear-map memory (identical to what the CPU sees: QEMU virt's
// virtio is cache coherent, so there is nothing to copy or flush), and
// `mmio_phys_to_virt` maps device windows through the linear map, where the
// boot map has the whole device region as device memory.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let Some(pa) = frame::alloc_contiguous(pages) else {
            // The crate turns a zero address into Error::DmaError.
            return (0, NonNull::dangling());
        };
        let va = phys_to_virt(pa) as *mut u8;
        // SAFETY: `pages` frames at `pa` were just handed out to us alone and
        // are RAM in the linear map.
        unsafe { core::ptr::write_bytes(va, 0, pages * PAGE) };
        (pa, NonNull::new(va).expect("linear map address is not null"))
    }

    unsafe fn dma_dealloc(paddr: PhysAddr, _vaddr: NonNull<u8>, pages: usize) -> i32 {
        for k in 0..pages as u64 {
            frame::free(paddr + k * PAGE as u64);
        }
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        assert!(is_device_region(paddr, size as u64), "virtio: MMIO window {paddr:#x} is not device memory");
        NonNull::new(phys_to_virt(paddr) as *mut u8).expect("linear map address is not null")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        linear_to_phys(buffer.as_ptr() as *mut u8 as u64)
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

/// Physically contiguous frames owned by one driver, freed on drop.
pub struct DmaPages {
    pa: u64,
    pages: usize,
}

impl DmaPages {
    /// `pages` zeroed contiguous frames; None when RAM has no such run.
    pub fn alloc(pages: usize) -> Option<DmaPages> {
        let (pa, _) = KernelHal::dma_alloc(pages, BufferDirection::Both);
        (pa != 0).then_some(DmaPages { pa, pages })
    }

    /// The bytes. Safe: `&mut self` is the exclusive borrow of the frames'
    /// only owner (a device sees them only inside `BlkQueue`, which lends
    /// them out only while no request is in flight).
    fn bytes_mut(&mut self) -> &mut [u8] {
        if self.pages == 0 {
            return &mut [];
        }
        // SAFETY: the frames belong to this value alone (allocated once by
        // the frame allocator), they are RAM in the linear map, and the
        // borrow of `self` is exclusive for the slice's lifetime.
        unsafe { core::slice::from_raw_parts_mut(phys_to_virt(self.pa) as *mut u8, self.pages * PAGE) }
    }
}

impl Drop for DmaPages {
    fn drop(&mut self) {
        for k in 0..self.pages as u64 {
            frame::free(self.pa + k * PAGE as u64);
        }
    }
}

/// Why a `virtio,mmio` window holds no usable device.
#[derive(Debug)]
pub enum ProbeError {
    /// Not device memory (a bad DTB).
    NotDeviceMemory,
    /// No virtio header (bad magic), an empty slot (device ID 0) or an
    /// unknown version.
    NoDevice,
}

/// The transport of the `virtio,mmio` window `[pa, pa + size)` and the kind
/// of device behind it.
///
/// Safe to call once per window: `probe` calls it once for each DTB node
/// (the windows do not overlap), so each transport is the window's only
/// user; the window is device memory, mapped for the kernel's whole life.
pub fn mmio_transport(pa: u64, size: u64) -> Result<(MmioTransport<'static>, DeviceType), ProbeError> {
    if !is_device_region(pa, size) || size < core::mem::size_of::<VirtIOHeader>() as u64 {
        return Err(ProbeError::NotDeviceMemory);
    }
    let header = NonNull::new(phys_to_virt(pa) as *mut VirtIOHeader).ok_or(ProbeError::NotDeviceMemory)?;
    // SAFETY: `header` is the linear-map address of a device window in the
    // device region (checked), mapped as device memory forever and
    // 0x200-aligned by QEMU; the caller (probe) makes one transport per DTB
    // node, so nothing else reaches these registers.
    let transport = unsafe { MmioTransport::new(header, size as usize) }.map_err(|_| ProbeError::NoDevice)?;
    let kind = virtio_drivers::transport::Transport::device_type(&transport);
    Ok((transport, kind))
}

/// The largest transfer one request moves (the bounce buffer).
pub const BOUNCE_BYTES: usize = 1024 * 1024;

#[derive(Default)]
struct Slot {
    req: BlkReq,
    resp: BlkResp,
}

#[derive(Clone, Copy)]
struct InFlight {
    token: u16,
    write: bool,
    len: usize,
}

/// A virtio block device with one request in flight at most: the request
/// header, status and data live in memory this value owns (a heap box and
/// a bounce buffer of frames), lent to the device from `start` until
/// `finish` sees the answer; in between nothing else can touch them.
pub struct BlkQueue {
    dev: VirtIOBlk<KernelHal, MmioTransport<'static>>,
    bounce: DmaPages,
    slot: Box<Slot>,
    in_flight: Option<InFlight>,
}

/// What went wrong with a request (the block layer reports EIO).
#[derive(Debug)]
pub enum BlkError {
    /// A request is already in flight, or none is.
    Busy,
    BadLength,
    Device(#[allow(dead_code)] virtio_drivers::Error),
}

impl BlkQueue {
    /// Initialises the device (features: FLUSH, RO, indirect descriptors,
    /// event index; the crate negotiates them) with interrupts on.
    pub fn new(transport: MmioTransport<'static>) -> Result<BlkQueue, BlkError> {
        let mut dev = VirtIOBlk::<KernelHal, _>::new(transport).map_err(BlkError::Device)?;
        dev.enable_interrupts();
        let bounce = DmaPages::alloc(BOUNCE_BYTES / PAGE).ok_or(BlkError::Device(virtio_drivers::Error::DmaError))?;
        Ok(BlkQueue { dev, bounce, slot: Box::default(), in_flight: None })
    }

    /// Size in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.dev.capacity()
    }

    pub fn readonly(&self) -> bool {
        self.dev.readonly()
    }

    /// Acknowledges the device's interrupt (its ISR status register).
    pub fn ack_interrupt(&mut self) {
        self.dev.ack_interrupt();
    }

    /// The bounce buffer, to fill before a write or read after a read;
    /// None while a request is in flight (the device owns it then).
    pub fn buffer(&mut self) -> Option<&mut [u8]> {
        if self.in_flight.is_some() {
            return None;
        }
        Some(self.bounce.bytes_mut())
    }

    /// Sends a read (into the bounce buffer) or a write (from it) of `len`
    /// bytes at `sector`; the answer comes with an interrupt.
    pub fn start(&mut self, write: bool, sector: u64, len: usize) -> Result<(), BlkError> {
        if self.in_flight.is_some() {
            return Err(BlkError::Busy);
        }
        if len == 0 || len > BOUNCE_BYTES || len % SECTOR_SIZE != 0 {
            return Err(BlkError::BadLength);
        }
        let buf = &mut self.bounce.bytes_mut()[..len];
        let slot = &mut *self.slot;
        // SAFETY: the header, the status and the data are owned by `self`
        // (a heap box and frames: they do not move when `self` does), and
        // while `in_flight` is set nothing reads or writes them: `buffer`
        // refuses, `start` refuses, and `Drop` leaks them rather than free
        // memory the device may still write. `finish` passes the same three
        // back to the crate.
        let token = unsafe {
            if write {
                self.dev.write_blocks_nb(sector as usize, &mut slot.req, buf, &mut slot.resp)
            } else {
                self.dev.read_blocks_nb(sector as usize, &mut slot.req, buf, &mut slot.resp)
            }
        }
        .map_err(BlkError::Device)?;
        self.in_flight = Some(InFlight { token, write, len });
        Ok(())
    }

    /// The outcome of the request in flight, once the device has answered
    /// (None until then, or when none is in flight).
    pub fn finish(&mut self) -> Option<Result<(), BlkError>> {
        let f = self.in_flight?;
        if self.dev.peek_used() != Some(f.token) {
            return None;
        }
        let buf = &mut self.bounce.bytes_mut()[..f.len];
        let slot = &mut *self.slot;
        // SAFETY: the same header, status and buffer `start` lent for this
        // token (nothing touched them since: `in_flight` was set), and the
        // device has put the token in the used ring, so it is done with them.
        let result = unsafe {
            if f.write {
                self.dev.complete_write_blocks(f.token, &slot.req, buf, &mut slot.resp)
            } else {
                self.dev.complete_read_blocks(f.token, &slot.req, buf, &mut slot.resp)
            }
        };
        self.in_flight = None;
        Some(result.map_err(BlkError::Device))
    }

    /// VIRTIO_BLK_T_FLUSH: the device's volatile cache reaches the medium.
    /// The crate offers no non-blocking flush (0.13), so this one request
    /// waits for its answer in place; it comes only from sync paths.
    pub fn flush(&mut self) -> Result<(), BlkError> {
        if self.in_flight.is_some() {
            return Err(BlkError::Busy);
        }
        self.dev.flush().map_err(BlkError::Device)
    }
}

impl Drop for BlkQueue {
    fn drop(&mut self) {
        if self.in_flight.is_some() {
            // The device may still write these: never give them back.
            core::mem::forget(core::mem::replace(&mut self.bounce, DmaPages { pa: 0, pages: 0 }));
            core::mem::forget(core::mem::replace(&mut self.slot, Box::default()));
        }
    }
}
