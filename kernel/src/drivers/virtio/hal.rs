//! The unsafe half of the virtio drivers: `virtio-drivers`' `Hal` over the
//! frame allocator and the linear map, the MMIO transport over a DTB window,
//! and `BlkQueue`, the one safe door to block requests built on the
//! crate's virtqueue (whose buffers the device owns until the request
//! completes): reads, writes and FLUSH, all completed by interrupt.
//!
//! DMA memory is always kernel memory in the linear map: rings and the
//! bounce buffer are contiguous frames from the frame allocator, request
//! headers live in the kernel heap (.bss, also linear). No user pointer ever
//! reaches the device: block I/O is copied through the bounce buffer.

use alloc::boxed::Box;
use core::ptr::NonNull;

use virtio_drivers::device::blk::SECTOR_SIZE;
use virtio_drivers::queue::VirtQueue;
use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceStatus, DeviceType, Transport};
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
            // SAFETY: the caller of dma_dealloc (virtio-drivers, per the Hal
            // contract) returns the `pages` frames dma_alloc gave it and no
            // longer uses them or lets the device reach them.
            unsafe { frame::free(paddr + k * PAGE as u64) };
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
            // SAFETY: DmaPages owns these frames (allocated for it alone);
            // after drop no slice of them survives (they borrow `self`).
            unsafe { frame::free(self.pa + k * PAGE as u64) };
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

/// Request types (virtio 1.2, 5.2.6).
const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;
/// Feature bits this driver negotiates.
const F_RO: u64 = 1 << 5;
const F_FLUSH: u64 = 1 << 9;
const F_RING_INDIRECT_DESC: u64 = 1 << 28;
const F_RING_EVENT_IDX: u64 = 1 << 29;
const F_VERSION_1: u64 = 1 << 32;
const QUEUE: u16 = 0;
const QUEUE_SIZE: usize = 16;

/// A request's header (type, reserved, sector: little-endian) and the
/// status byte the device writes back.
#[derive(Default)]
struct Slot {
    header: [u8; 16],
    status: [u8; 1],
}

/// What a request does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Read,
    Write,
    Flush,
}

#[derive(Clone, Copy)]
struct InFlight {
    token: u16,
    op: Op,
    len: usize,
}

/// A virtio block device with one request in flight at most, driven
/// through the crate's `VirtQueue` directly (0.13's `VirtIOBlk` has no
/// non-blocking FLUSH, so this builds every request itself: reads,
/// writes and FLUSH all complete with an interrupt). The request header,
/// status and data live in memory this value owns (a heap box and a
/// bounce buffer of frames), lent to the device from `start` until
/// `finish` sees the answer; in between nothing else can touch them.
pub struct BlkQueue {
    transport: MmioTransport<'static>,
    queue: VirtQueue<KernelHal, QUEUE_SIZE>,
    capacity: u64,
    features: u64,
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
    /// The device answered with this status (1: I/O error, 2: unsupported).
    Status(#[allow(dead_code)] u8),
}

impl BlkQueue {
    /// Initialises the device (virtio 1.2, 3.1.1; features: FLUSH, RO,
    /// indirect descriptors, event index, VERSION_1) with interrupts on.
    pub fn new(mut transport: MmioTransport<'static>) -> Result<BlkQueue, BlkError> {
        transport.set_status(DeviceStatus::empty());
        transport.set_status(DeviceStatus::ACKNOWLEDGE | DeviceStatus::DRIVER);
        let offered = transport.read_device_features();
        let features = offered & (F_RO | F_FLUSH | F_RING_INDIRECT_DESC | F_RING_EVENT_IDX | F_VERSION_1);
        transport.write_driver_features(features);
        transport.set_status(DeviceStatus::ACKNOWLEDGE | DeviceStatus::DRIVER | DeviceStatus::FEATURES_OK);
        transport.set_guest_page_size(PAGE as u32);
        // Configuration space: capacity (le64, in two halves) at offset 0.
        let capacity = transport
            .read_consistent(|| {
                let low: u32 = transport.read_config_space(0)?;
                let high: u32 = transport.read_config_space(4)?;
                Ok(u64::from(low) | (u64::from(high) << 32))
            })
            .map_err(BlkError::Device)?;
        let mut queue = VirtQueue::new(
            &mut transport,
            QUEUE,
            features & F_RING_INDIRECT_DESC != 0,
            features & F_RING_EVENT_IDX != 0,
        )
        .map_err(BlkError::Device)?;
        transport.finish_init();
        queue.set_dev_notify(true);
        let bounce = DmaPages::alloc(BOUNCE_BYTES / PAGE).ok_or(BlkError::Device(virtio_drivers::Error::DmaError))?;
        Ok(BlkQueue { transport, queue, capacity, features, bounce, slot: Box::default(), in_flight: None })
    }

    /// Size in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    pub fn readonly(&self) -> bool {
        self.features & F_RO != 0
    }

    /// True when the device has a volatile cache to FLUSH.
    pub fn has_flush(&self) -> bool {
        self.features & F_FLUSH != 0
    }

    /// Acknowledges the device's interrupt (its ISR status register).
    pub fn ack_interrupt(&mut self) {
        self.transport.ack_interrupt();
    }

    /// The bounce buffer, to fill before a write or read after a read;
    /// None while a request is in flight (the device owns it then).
    pub fn buffer(&mut self) -> Option<&mut [u8]> {
        if self.in_flight.is_some() {
            return None;
        }
        Some(self.bounce.bytes_mut())
    }

    /// Sends a read (into the bounce buffer), a write (from it) of `len`
    /// bytes at `sector`, or a FLUSH (no data); the answer comes with an
    /// interrupt.
    pub fn start(&mut self, op: Op, sector: u64, len: usize) -> Result<(), BlkError> {
        if self.in_flight.is_some() {
            return Err(BlkError::Busy);
        }
        let len = if op == Op::Flush { 0 } else { len };
        if op != Op::Flush && (len == 0 || len > BOUNCE_BYTES || len % SECTOR_SIZE != 0) {
            return Err(BlkError::BadLength);
        }
        let kind = match op {
            Op::Read => T_IN,
            Op::Write => T_OUT,
            Op::Flush => T_FLUSH,
        };
        let slot = &mut *self.slot;
        slot.header[..4].copy_from_slice(&kind.to_le_bytes());
        slot.header[4..8].fill(0);
        slot.header[8..].copy_from_slice(&if op == Op::Flush { 0 } else { sector }.to_le_bytes());
        slot.status[0] = 0xff;
        let buf = &mut self.bounce.bytes_mut()[..len];
        // SAFETY: the header, the status and the data are owned by `self`
        // (a heap box and frames: they do not move when `self` does), and
        // while `in_flight` is set nothing reads or writes them: `buffer`
        // refuses, `start` refuses, and `Drop` leaks them rather than free
        // memory the device may still write. `finish` passes the same
        // buffers back to `pop_used`.
        let token = unsafe {
            match op {
                Op::Read => self.queue.add(&[&slot.header], &mut [buf, &mut slot.status]),
                Op::Write => self.queue.add(&[&slot.header, buf], &mut [&mut slot.status]),
                Op::Flush => self.queue.add(&[&slot.header], &mut [&mut slot.status]),
            }
        }
        .map_err(BlkError::Device)?;
        if self.queue.should_notify() {
            self.transport.notify(QUEUE);
        }
        self.in_flight = Some(InFlight { token, op, len });
        Ok(())
    }

    /// The outcome of the request in flight, once the device has answered
    /// (None until then, or when none is in flight).
    pub fn finish(&mut self) -> Option<Result<(), BlkError>> {
        let f = self.in_flight?;
        if self.queue.peek_used() != Some(f.token) {
            return None;
        }
        let buf = &mut self.bounce.bytes_mut()[..f.len];
        let slot = &mut *self.slot;
        // SAFETY: the same header, status and buffer `start` lent for this
        // token (nothing touched them since: `in_flight` was set), and the
        // device has put the token in the used ring, so it is done with them.
        let popped = unsafe {
            match f.op {
                Op::Read => self.queue.pop_used(f.token, &[&slot.header], &mut [buf, &mut slot.status]),
                Op::Write => self.queue.pop_used(f.token, &[&slot.header, buf], &mut [&mut slot.status]),
                Op::Flush => self.queue.pop_used(f.token, &[&slot.header], &mut [&mut slot.status]),
            }
        };
        self.in_flight = None;
        Some(match popped {
            Err(e) => Err(BlkError::Device(e)),
            Ok(_) if slot.status[0] == 0 => Ok(()),
            Ok(_) => Err(BlkError::Status(slot.status[0])),
        })
    }
}

impl Drop for BlkQueue {
    fn drop(&mut self) {
        // The device lets go of the rings (the crate's `VirtIOBlk` does this).
        self.transport.queue_unset(QUEUE);
        if self.in_flight.is_some() {
            // The device may still write these: never give them back.
            core::mem::forget(core::mem::replace(&mut self.bounce, DmaPages { pa: 0, pages: 0 }));
            core::mem::forget(core::mem::replace(&mut self.slot, Box::default()));
        }
    }
}
