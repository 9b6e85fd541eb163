//! virtio-net: one Ethernet device, frames in and out. Receive buffers are
//! the crate's (heap, linear map), always given back to the device after
//! their frame is consumed, so reception (and its interrupt) never stops.
//! The IP stack (`crate::net`) polls it from the device interrupt and the
//! timer tick.

use core::sync::atomic::{AtomicU64, Ordering};

use spin::Mutex;
use virtio_drivers::device::net::{RxBuffer, VirtIONet};
use virtio_drivers::transport::mmio::MmioTransport;

use super::hal::KernelHal;
use crate::arch::IrqGuard;

/// Receive (and transmit) ring size.
const QUEUE: usize = 64;
/// One receive buffer: a 1514-byte frame and the virtio-net header.
const RX_BUF: usize = 2048;

type Dev = VirtIONet<KernelHal, MmioTransport<'static>, QUEUE>;

pub struct NetDev {
    pub intid: u32,
    pub mac: [u8; 6],
    dev: Mutex<Dev>,
    pub rx_packets: AtomicU64,
    pub rx_bytes: AtomicU64,
    pub tx_packets: AtomicU64,
    pub tx_bytes: AtomicU64,
    pub tx_errors: AtomicU64,
    pub rx_dropped: AtomicU64,
}

/// A received frame; hand it back with [`NetDev::recycle`].
pub struct Frame(RxBuffer);

impl Frame {
    pub fn bytes(&self) -> &[u8] {
        self.0.packet()
    }
}

impl NetDev {
    pub fn new(transport: MmioTransport<'static>, intid: u32) -> Result<NetDev, virtio_drivers::Error> {
        let mut dev = Dev::new(transport, RX_BUF)?;
        dev.enable_interrupts();
        let mac = dev.mac_address();
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
        })
    }

    /// The device with IRQs masked (the interrupt handler takes it too).
    fn with<R>(&self, f: impl FnOnce(&mut Dev) -> R) -> R {
        let _irq = IrqGuard::new();
        let mut dev = self.dev.lock();
        let r = f(&mut dev);
        drop(dev);
        r
    }

    pub fn ack_interrupt(&self) {
        self.with(|d| {
            d.ack_interrupt();
        });
    }

    /// The next received frame, if any.
    pub fn receive(&self) -> Option<Frame> {
        let buf = self.with(|d| d.receive().ok())?;
        self.rx_packets.fetch_add(1, Ordering::Relaxed);
        self.rx_bytes.fetch_add(buf.packet_len() as u64, Ordering::Relaxed);
        Some(Frame(buf))
    }

    /// Gives a frame's buffer back to the device's receive queue.
    pub fn recycle(&self, frame: Frame) {
        if let Err(e) = self.with(|d| d.recycle_rx_buffer(frame.0)) {
            printk!(crate::printk::LEVEL_ERR, "virtio-net: cannot recycle a receive buffer: {e:?}");
        }
    }

    pub fn can_send(&self) -> bool {
        self.with(|d| d.can_send())
    }

    /// Sends one frame (without the virtio header; the crate adds it),
    /// waiting for the device to take it.
    pub fn send(&self, frame: &[u8]) -> bool {
        let ok = self.with(|d| {
            let mut tx = d.new_tx_buffer(frame.len());
            tx.packet_mut().copy_from_slice(frame);
            d.send(tx)
        });
        match ok {
            Ok(()) => {
                self.tx_packets.fetch_add(1, Ordering::Relaxed);
                self.tx_bytes.fetch_add(frame.len() as u64, Ordering::Relaxed);
                true
            }
            Err(_) => {
                self.tx_errors.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }
}
