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
use alloc::vec::Vec;
use core::ptr::NonNull;
use core::sync::atomic::{fence, Ordering};

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

impl DmaPages {
    /// The address of byte `offset` (no reference is made: the device may
    /// be writing other parts of the frames).
    fn ptr(&self, offset: usize) -> *mut u8 {
        assert!(offset < self.pages * PAGE, "DmaPages: offset {offset:#x} out of range");
        (phys_to_virt(self.pa) as usize + offset) as *mut u8
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

/// virtio-net queues (virtio 1.2, 5.1.2): receive 0, transmit 1.
const NET_RXQ: u16 = 0;
const NET_TXQ: u16 = 1;
/// Receive buffers always offered to the device: a burst of this many
/// frames (a TCP window and then some) is taken in without a drop.
pub const NET_RX_SLOTS: usize = 128;
/// Frames sent and not yet completed by the device at most.
pub const NET_TX_SLOTS: usize = 64;
/// One buffer: the virtio-net header and a 1514-byte frame.
const NET_SLOT: usize = 2048;
/// The largest frame a slot holds (after the largest header).
pub const NET_FRAME_MAX: usize = NET_SLOT - 12;
const F_NET_MAC: u64 = 1 << 5;
const F_NET_STATUS: u64 = 1 << 16;

/// A received frame, lent out of its receive slot until
/// [`NetQueues::recycle`] gives the slot back to the device. Not `Clone`:
/// one handle per lent slot.
pub struct RxFrame {
    slot: u16,
    ptr: NonNull<u8>,
    len: usize,
}

impl RxFrame {
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` is the frame's start inside a receive slot the
        // device has completed and that is not in the ring again until this
        // handle is recycled (consumed); `len` fits in the slot (checked at
        // pop); the slot memory outlives the handle (NetQueues never frees
        // its pages while a frame is lent: see Drop).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

/// Our virtio-net driver over the crate's `VirtQueue` (0.13's
/// `VirtIONet` sends one frame and spins until the device completed it):
/// receive and transmit buffers live in frames this value owns, every
/// receive slot is offered to the device while not lent out, and a send
/// only queues its frame: completed transmit slots are taken back on the
/// next send. Transmit interrupts are asked for only while every transmit
/// slot is busy (so a full ring gets the stack polled again); receive
/// interrupts are always on. No event index (flags-based suppression).
pub struct NetQueues {
    transport: MmioTransport<'static>,
    rx: VirtQueue<KernelHal, NET_RX_SLOTS>,
    tx: VirtQueue<KernelHal, NET_TX_SLOTS>,
    rx_pages: DmaPages,
    tx_pages: DmaPages,
    /// The slot each descriptor chain (token) in the rings carries.
    rx_slot_of: [u16; NET_RX_SLOTS],
    tx_slot_of: [u16; NET_TX_SLOTS],
    /// Bytes (header included) each busy transmit slot handed the device.
    tx_len: [u16; NET_TX_SLOTS],
    tx_free: Vec<u16>,
    /// Receive slots lent out as `RxFrame`s.
    rx_lent: usize,
    /// The virtio-net header's size: 12 (VERSION_1), 10 (legacy).
    hdr: usize,
    mac: [u8; 6],
    /// Frames queued since the device was last told (see `kick`).
    unkicked: bool,
}

impl NetQueues {
    /// Initialises the device (virtio 1.2, 3.1.1; features: MAC, STATUS,
    /// VERSION_1) and offers every receive slot.
    pub fn new(mut transport: MmioTransport<'static>) -> Result<NetQueues, virtio_drivers::Error> {
        transport.set_status(DeviceStatus::empty());
        transport.set_status(DeviceStatus::ACKNOWLEDGE | DeviceStatus::DRIVER);
        let offered = transport.read_device_features();
        let features = offered & (F_NET_MAC | F_NET_STATUS | F_VERSION_1);
        transport.write_driver_features(features);
        transport.set_status(DeviceStatus::ACKNOWLEDGE | DeviceStatus::DRIVER | DeviceStatus::FEATURES_OK);
        transport.set_guest_page_size(PAGE as u32);
        let mac = if features & F_NET_MAC != 0 {
            transport.read_consistent(|| {
                let mut mac = [0u8; 6];
                for (i, b) in mac.iter_mut().enumerate() {
                    *b = transport.read_config_space(i)?;
                }
                Ok(mac)
            })?
        } else {
            [0; 6]
        };
        let rx = VirtQueue::new(&mut transport, NET_RXQ, false, false)?;
        let tx = VirtQueue::new(&mut transport, NET_TXQ, false, false)?;
        transport.finish_init();
        let dma = virtio_drivers::Error::DmaError;
        let rx_pages = DmaPages::alloc(NET_RX_SLOTS * NET_SLOT / PAGE).ok_or(dma)?;
        let tx_pages = DmaPages::alloc(NET_TX_SLOTS * NET_SLOT / PAGE).ok_or(dma)?;
        let mut q = NetQueues {
            transport,
            rx,
            tx,
            rx_pages,
            tx_pages,
            rx_slot_of: [0; NET_RX_SLOTS],
            tx_slot_of: [0; NET_TX_SLOTS],
            tx_len: [0; NET_TX_SLOTS],
            tx_free: (0..NET_TX_SLOTS as u16).rev().collect(),
            rx_lent: 0,
            hdr: if features & F_VERSION_1 != 0 { 12 } else { 10 },
            mac,
            unkicked: false,
        };
        q.rx.set_dev_notify(true);
        q.tx.set_dev_notify(false);
        for slot in 0..NET_RX_SLOTS as u16 {
            q.offer(slot)?;
        }
        q.transport.notify(NET_RXQ);
        Ok(q)
    }

    pub fn mac(&self) -> [u8; 6] {
        self.mac
    }

    pub fn ack_interrupt(&mut self) {
        self.transport.ack_interrupt();
    }

    /// Puts receive slot `slot` in the ring (no notification).
    fn offer(&mut self, slot: u16) -> Result<(), virtio_drivers::Error> {
        let p = self.rx_pages.ptr(usize::from(slot) * NET_SLOT);
        // SAFETY: the slot is ours alone (never lent: `recycle` takes the
        // only handle back, `new` offers each slot once) and the frames
        // outlive the ring's use of it (Drop unsets the queue first).
        let buf = unsafe { core::slice::from_raw_parts_mut(p, NET_SLOT) };
        // SAFETY: as above: nothing reads or writes the slot until `pop`
        // finds its token in the used ring.
        let token = unsafe { self.rx.add(&[], &mut [buf]) }?;
        self.rx_slot_of[usize::from(token)] = slot;
        Ok(())
    }

    /// The next received frame, if the device completed one.
    pub fn pop(&mut self) -> Option<RxFrame> {
        loop {
            let token = self.rx.peek_used()?;
            // The token is the device's word: an impossible one stops here.
            let slot = *self.rx_slot_of.get(usize::from(token))?;
            let p = self.rx_pages.ptr(usize::from(slot) * NET_SLOT);
            // SAFETY: the slot `offer` lent for this token, which the device
            // has completed (it is in the used ring).
            let buf = unsafe { core::slice::from_raw_parts_mut(p, NET_SLOT) };
            // SAFETY: the same buffer `offer` passed to `add` for this token.
            let len = unsafe { self.rx.pop_used(token, &[], &mut [buf]) };
            // The ring is broken (cannot happen: the token was just peeked).
            let l = len.ok()? as usize;
            if l > self.hdr && l <= NET_SLOT {
                let ptr = NonNull::new(self.rx_pages.ptr(usize::from(slot) * NET_SLOT + self.hdr))?;
                self.rx_lent += 1;
                return Some(RxFrame { slot, ptr, len: l - self.hdr });
            }
            // An empty or impossible completion: offer the slot again.
            let _ = self.offer(slot);
            self.kick_rx();
        }
    }

    /// Gives a received frame's slot back to the device.
    pub fn recycle(&mut self, frame: RxFrame) {
        // A frame of another device stays lent (its slot is lost, never
        // reused while it may still be read).
        if usize::from(frame.slot) >= NET_RX_SLOTS
            || frame.ptr.as_ptr() != self.rx_pages.ptr(usize::from(frame.slot) * NET_SLOT + self.hdr)
        {
            return;
        }
        self.rx_lent = self.rx_lent.saturating_sub(1);
        if self.offer(frame.slot).is_ok() {
            self.kick_rx();
        }
    }

    fn kick_rx(&mut self) {
        fence(Ordering::SeqCst);
        if self.rx.should_notify() {
            self.transport.notify(NET_RXQ);
        }
    }

    /// Takes back the transmit slots the device completed. While none is
    /// free, the device interrupts on the next completion.
    fn reap(&mut self) {
        while let Some(token) = self.tx.peek_used() {
            let Some(&slot) = self.tx_slot_of.get(usize::from(token)) else { break };
            let len = usize::from(self.tx_len[usize::from(slot)]);
            let p = self.tx_pages.ptr(usize::from(slot) * NET_SLOT);
            // SAFETY: the slot `send` lent for this token, completed by the
            // device.
            let buf = unsafe { core::slice::from_raw_parts(p, len) };
            // SAFETY: the same buffer `send` passed to `add` for this token.
            if unsafe { self.tx.pop_used(token, &[buf], &mut []) }.is_err() {
                break;
            }
            self.tx_free.push(slot);
        }
        let full = self.tx_free.is_empty();
        if full {
            // The device must know of the ring's frames to free a slot.
            self.kick();
        }
        self.tx.set_dev_notify(full);
        // A completion between the loop and the flag would interrupt no one.
        fence(Ordering::SeqCst);
        if full && self.tx.can_pop() {
            self.reap();
        }
    }

    /// Whether a transmit slot is free now.
    pub fn can_send(&mut self) -> bool {
        self.reap();
        !self.tx_free.is_empty()
    }

    /// Tells the device about the frames queued since the last kick (one
    /// MMIO exit for a whole poll's frames, not one per frame), unless it
    /// said it is still working through the ring.
    pub fn kick(&mut self) {
        // The avail index is published before the device's flag is read
        // (a store then a load: only a full barrier orders them).
        fence(Ordering::SeqCst);
        if core::mem::take(&mut self.unkicked) && self.tx.should_notify() {
            self.transport.notify(NET_TXQ);
        }
    }

    /// Sends a `len`-byte frame that `fill` writes (it says whether to send
    /// it after all): queued, not waited for; the device learns of it at
    /// the next `kick`. Without a free slot (or for a
    /// frame too long) `fill` writes a scratch buffer that is dropped.
    /// Returns `fill`'s result and whether the frame went to the device.
    pub fn send<R>(&mut self, len: usize, fill: impl FnOnce(&mut [u8]) -> (R, bool)) -> (R, bool) {
        self.reap();
        let slot = match self.tx_free.pop() {
            Some(s) if len <= NET_SLOT - self.hdr => s,
            other => {
                if let Some(s) = other {
                    self.tx_free.push(s);
                }
                let mut scratch = alloc::vec![0u8; len];
                return (fill(&mut scratch).0, false);
            }
        };
        let total = self.hdr + len;
        let p = self.tx_pages.ptr(usize::from(slot) * NET_SLOT);
        // SAFETY: a free transmit slot (not in the ring: `reap` took it
        // back, or never sent), ours alone until `add` below lends it.
        let buf = unsafe { core::slice::from_raw_parts_mut(p, total) };
        buf[..self.hdr].fill(0);
        let (r, go) = fill(&mut buf[self.hdr..]);
        if !go {
            self.tx_free.push(slot);
            return (r, false);
        }
        let buf = &*buf;
        // SAFETY: the slot stays untouched until `reap` finds its token in
        // the used ring; the frames outlive the ring's use (Drop unsets the
        // queue first).
        match unsafe { self.tx.add(&[buf], &mut []) } {
            Ok(token) => {
                self.tx_slot_of[usize::from(token)] = slot;
                self.tx_len[usize::from(slot)] = total as u16;
                self.unkicked = true;
                (r, true)
            }
            Err(_) => {
                self.tx_free.push(slot);
                (r, false)
            }
        }
    }
}

impl Drop for NetQueues {
    fn drop(&mut self) {
        self.transport.queue_unset(NET_RXQ);
        self.transport.queue_unset(NET_TXQ);
        if self.rx_lent > 0 {
            // Frames still lent point into these: never give them back.
            core::mem::forget(core::mem::replace(&mut self.rx_pages, DmaPages { pa: 0, pages: 0 }));
        }
    }
}
