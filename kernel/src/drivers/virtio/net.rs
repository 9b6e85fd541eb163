//! virtio-net: one Ethernet device, frames in and out, over `NetQueues`
//! (hal.rs). Every receive slot is offered to the device except while its
//! frame is lent to the stack, and a frame is given back as soon as smoltcp
//! consumed it, so reception (and its interrupt) never stops. Sends are
//! queued, not waited for; a full transmit ring drops the frame (counted).
//! The IP stack (`crate::net`) polls it from the device interrupt and the
//! timer tick.

use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;
use virtio_drivers::transport::mmio::MmioTransport;

use super::hal::{NetQueues, RxFrame};
use crate::arch::IrqGuard;

pub struct NetDev {
    pub intid: u32,
    pub mac: [u8; 6],
    dev: Mutex<NetQueues>,
    pub rx_packets: AtomicU64,
    pub rx_bytes: AtomicU64,
    pub tx_packets: AtomicU64,
    pub tx_bytes: AtomicU64,
    pub tx_errors: AtomicU64,
    pub rx_dropped: AtomicU64,
    pub tx_dropped: AtomicU64,
}

/// A received frame; hand it back with [`NetDev::recycle`].
pub struct Frame(RxFrame);

impl Frame {
    pub fn bytes(&self) -> &[u8] {
        self.0.bytes()
    }
}

impl NetDev {
    pub fn new(transport: MmioTransport<'static>, intid: u32) -> Result<NetDev, virtio_drivers::Error> {
        let dev = NetQueues::new(transport)?;
        let mac = dev.mac();
        Ok(NetDev {
            intid,
            mac,
            dev: Mutex::new(dev),
            rx_packets: AtomicU64::new(0),
            rx_bytes: AtomicU64::new(0),
            tx_packets: AtomicU64::new(0),
            tx_bytes: AtomicU64::new(0),
            tx_errors: AtomicU64::new(0),
            rx_dropped: AtomicU64::new(0),
            tx_dropped: AtomicU64::new(0),
        })
    }

    /// The device with IRQs masked (the interrupt handler takes it too).
    fn with<R>(&self, f: impl FnOnce(&mut NetQueues) -> R) -> R {
        let _irq = IrqGuard::new();
        let mut dev = self.dev.lock();
        let r = f(&mut dev);
        drop(dev);
        r
    }

    pub fn ack_interrupt(&self) {
        self.with(|d| d.ack_interrupt());
    }

    /// The next received frame, if any.
    pub fn receive(&self) -> Option<Frame> {
        let f = self.with(|d| d.pop())?;
        self.rx_packets.fetch_add(1, Ordering::Relaxed);
        self.rx_bytes.fetch_add(f.bytes().len() as u64, Ordering::Relaxed);
        Some(Frame(f))
    }

    /// Gives a frame's buffer back to the device's receive queue.
    pub fn recycle(&self, frame: Frame) {
        self.with(|d| d.recycle(frame.0));
    }

    /// Whether a frame can be queued now (a transmit slot is free).
    pub fn can_send(&self) -> bool {
        self.with(|d| d.can_send())
    }

    /// Queues a `len`-byte frame (without the virtio header) that `fill`
    /// writes; `fill` says whether to send it after all. The device learns
    /// of it at the next [`NetDev::kick`]. Without a free
    /// slot the frame is dropped (tx_dropped). Returns `fill`'s result
    /// and whether the frame went to the device.
    pub fn send_with<R>(&self, len: usize, fill: impl FnOnce(&mut [u8]) -> (R, bool)) -> (R, bool) {
        let mut wanted = false;
        let (r, sent) = self.with(|d| {
            d.send(len, |b| {
                let (r, go) = fill(b);
                wanted = go;
                (r, go)
            })
        });
        if sent {
            self.tx_packets.fetch_add(1, Ordering::Relaxed);
            self.tx_bytes.fetch_add(len as u64, Ordering::Relaxed);
        } else if wanted {
            self.tx_dropped.fetch_add(1, Ordering::Relaxed);
        }
        (r, sent)
    }

    /// Tells the device about the frames `send_with` queued.
    pub fn kick(&self) {
        self.with(|d| d.kick());
    }

    /// Sends one whole frame now; false when no transmit slot is free.
    pub fn send(&self, frame: &[u8]) -> bool {
        if frame.len() > super::hal::NET_FRAME_MAX {
            self.tx_errors.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        let sent = self
            .send_with(frame.len(), |b| {
                b.copy_from_slice(frame);
                ((), true)
            })
            .1;
        self.kick();
        sent
    }
}
