//! virtio-blk disks: whole-sector reads and writes that sleep until the
//! device's interrupt, one request in flight per disk, and FLUSH (which
//! sleeps on the interrupt too).

use alloc::string::String;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel_abi::Errno;
use spin::Mutex;

use super::hal::{BlkError, BlkQueue, Op, BOUNCE_BYTES};
use crate::arch::IrqGuard;
use crate::process::sched;

pub const SECTOR: usize = 512;
/// The most bytes one request moves.
pub const MAX_REQUEST: usize = BOUNCE_BYTES;

pub struct Disk {
    /// `vda`, `vdb`, ...
    pub name: String,
    /// The GIC interrupt ID (an SPI).
    pub intid: u32,
    /// Size in 512-byte sectors.
    pub sectors: u64,
    pub readonly: bool,
    /// The device has a volatile write cache (FLUSH was negotiated).
    has_flush: bool,
    queue: Mutex<BlkQueue>,
    /// Set while a process owns the queue for a request (the others sleep).
    busy: AtomicBool,
    /// Requests completed and failed, for the kernel log.
    completed: AtomicU64,
    failed: AtomicU64,
}

impl Disk {
    pub fn new(name: String, intid: u32, queue: BlkQueue) -> Disk {
        Disk {
            name,
            intid,
            sectors: queue.capacity(),
            readonly: queue.readonly(),
            has_flush: queue.has_flush(),
            queue: Mutex::new(queue),
            busy: AtomicBool::new(false),
            completed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        }
    }

    /// The queue, with IRQs masked (the interrupt handler takes it too).
    /// The guard is a named local, dropped before `_irq`: as a temporary of
    /// the tail expression it would outlive the IrqGuard (edition 2021), and
    /// an interrupt in between would spin on the lock forever.
    fn with_queue<R>(&self, f: impl FnOnce(&mut BlkQueue) -> R) -> R {
        let _irq = IrqGuard::new();
        let mut queue = self.queue.lock();
        let result = f(&mut queue);
        drop(queue);
        result
    }

    /// The device's interrupt: acknowledge it; the waiter re-checks its
    /// request when the handler's `sched::notify` runs.
    pub fn interrupt(&self) {
        self.with_queue(|q| q.ack_interrupt());
    }

    /// Reads whole sectors from `sector` into `buf` (a multiple of 512 bytes).
    pub fn read(&self, sector: u64, buf: &mut [u8]) -> Result<(), Errno> {
        self.check(sector, buf.len())?;
        for (i, chunk) in buf.chunks_mut(BOUNCE_BYTES).enumerate() {
            let at = sector + (i * BOUNCE_BYTES / SECTOR) as u64;
            self.request(Op::Read, at, chunk.len(), |b| chunk.copy_from_slice(&b[..chunk.len()]))?;
        }
        Ok(())
    }

    /// Writes whole sectors at `sector` from `data` (a multiple of 512 bytes).
    pub fn write(&self, sector: u64, data: &[u8]) -> Result<(), Errno> {
        if self.readonly {
            return Err(Errno::EROFS);
        }
        self.check(sector, data.len())?;
        for (i, chunk) in data.chunks(BOUNCE_BYTES).enumerate() {
            let at = sector + (i * BOUNCE_BYTES / SECTOR) as u64;
            self.request(Op::Write, at, chunk.len(), |b| b[..chunk.len()].copy_from_slice(chunk))?;
        }
        Ok(())
    }

    /// Reads whole sectors from `sector` into `parts` (consecutive on the
    /// disk, together at most `BOUNCE_BYTES`) in one request: the page
    /// cache reads a run of pages at once.
    pub fn read_parts(&self, sector: u64, parts: &mut [&mut [u8]]) -> Result<(), Errno> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > BOUNCE_BYTES {
            return Err(Errno::EINVAL);
        }
        self.check(sector, len)?;
        self.request(Op::Read, sector, len, |b| {
            let mut at = 0;
            for p in parts.iter_mut() {
                p.copy_from_slice(&b[at..at + p.len()]);
                at += p.len();
            }
        })
    }

    /// Writes `parts` (consecutive on the disk, together at most
    /// `BOUNCE_BYTES`, whole sectors) at `sector` in one request.
    pub fn write_parts(&self, sector: u64, parts: &[&[u8]]) -> Result<(), Errno> {
        if self.readonly {
            return Err(Errno::EROFS);
        }
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > BOUNCE_BYTES {
            return Err(Errno::EINVAL);
        }
        self.check(sector, len)?;
        self.request(Op::Write, sector, len, |b| {
            let mut at = 0;
            for p in parts {
                b[at..at + p.len()].copy_from_slice(p);
                at += p.len();
            }
        })
    }

    /// Makes every completed write durable (VIRTIO_BLK_T_FLUSH, when the
    /// device offered it; without a volatile cache there is nothing to
    /// do). The caller sleeps until the device's interrupt, as for reads
    /// and writes.
    pub fn flush(&self) -> Result<(), Errno> {
        if !self.has_flush {
            return Ok(());
        }
        self.request(Op::Flush, 0, 0, |_| {})
    }

    fn check(&self, sector: u64, len: usize) -> Result<(), Errno> {
        let count = (len / SECTOR) as u64;
        if len % SECTOR != 0 || sector.checked_add(count).is_none_or(|end| end > self.sectors) {
            return Err(Errno::EINVAL);
        }
        Ok(())
    }

    /// Waits (sleeping) until no other process has a request in flight.
    fn own(&self) {
        sched::wait_until(|| self.busy.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok());
    }

    fn release(&self) {
        self.busy.store(false, Ordering::Release);
        sched::notify();
    }

    /// One request (at most `BOUNCE_BYTES` of data): `fill` the bounce
    /// buffer before a write, or `fill` from it after a read. The caller
    /// sleeps until the device's interrupt completes the request.
    fn request(&self, op: Op, sector: u64, len: usize, fill: impl FnOnce(&mut [u8])) -> Result<(), Errno> {
        let mut fill = Some(fill);
        self.own();
        let started = self.with_queue(|q| {
            if op == Op::Write {
                let b = q.buffer().ok_or(BlkError::Busy)?;
                fill.take().map(|f| f(b));
            }
            q.start(op, sector, len)
        });

        let result = match started {
            Ok(()) => sched::wait_for(|| self.with_queue(|q| q.finish())),
            Err(e) => Err(e),
        };
        if result.is_ok() && op == Op::Read {
            self.with_queue(|q| q.buffer().zip(fill.take()).map(|(b, f)| f(b)));
        }
        self.release();
        match result {
            Ok(()) => {
                self.completed.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                let what = match op {
                    Op::Read => "read",
                    Op::Write => "write",
                    Op::Flush => "flush",
                };
                Err(self.io_error(what, sector, e))
            }
        }
    }

    fn io_error(&self, what: &str, sector: u64, e: BlkError) -> Errno {
        self.failed.fetch_add(1, Ordering::Relaxed);
        printk!(crate::printk::LEVEL_ERR, "{}: {what} error at sector {sector}: {e:?}", self.name);
        Errno::EIO
    }
}
