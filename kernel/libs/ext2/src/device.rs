//! The storage under a filesystem: 512-byte sectors read and written in
//! runs. The kernel implements [`BlockDevice`] over its block cache (which
//! batches and orders the writes); host tests use [`MemDevice`].

use alloc::vec;
use alloc::vec::Vec;

/// Bytes per sector, as virtio-blk and Linux's block layer count them.
pub const SECTOR_SIZE: usize = 512;

/// Why a device transfer failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceError {
    /// The transfer reaches past the end of the device.
    OutOfRange,
    /// The device reported an error.
    Io,
    /// The device refuses writes.
    ReadOnly,
}

/// A disk (or partition) addressed in [`SECTOR_SIZE`] sectors.
///
/// Buffers passed in are always a whole number of sectors long; a
/// filesystem reads and writes whole blocks (1, 2 or 4 KiB) and passes
/// runs of contiguous blocks in one call so the device can batch them.
pub trait BlockDevice {
    /// The device's size in sectors.
    fn sector_count(&self) -> u64;
    /// Reads `buf.len() / SECTOR_SIZE` sectors starting at `first`.
    fn read_sectors(&mut self, first: u64, buf: &mut [u8]) -> Result<(), DeviceError>;
    /// Writes `buf.len() / SECTOR_SIZE` sectors starting at `first`.
    fn write_sectors(&mut self, first: u64, buf: &[u8]) -> Result<(), DeviceError>;
    /// Makes every completed write durable (virtio-blk FLUSH).
    fn flush(&mut self) -> Result<(), DeviceError>;
}

impl<T: BlockDevice + ?Sized> BlockDevice for &mut T {
    fn sector_count(&self) -> u64 {
        (**self).sector_count()
    }
    fn read_sectors(&mut self, first: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        (**self).read_sectors(first, buf)
    }
    fn write_sectors(&mut self, first: u64, buf: &[u8]) -> Result<(), DeviceError> {
        (**self).write_sectors(first, buf)
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        (**self).flush()
    }
}

/// A device held in memory: host tests, and images built in RAM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemDevice {
    bytes: Vec<u8>,
    flushes: u64,
}

impl MemDevice {
    /// A device over `bytes` (its length is rounded down to whole sectors).
    pub fn new(mut bytes: Vec<u8>) -> MemDevice {
        bytes.truncate(bytes.len() / SECTOR_SIZE * SECTOR_SIZE);
        MemDevice { bytes, flushes: 0 }
    }

    /// A zero-filled device of `sectors` sectors.
    pub fn zeroed(sectors: usize) -> MemDevice {
        MemDevice::new(vec![0; sectors * SECTOR_SIZE])
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// How many times [`BlockDevice::flush`] was called.
    pub fn flushes(&self) -> u64 {
        self.flushes
    }

    fn range(&self, first: u64, len: usize) -> Result<core::ops::Range<usize>, DeviceError> {
        let start =
            usize::try_from(first).ok().and_then(|s| s.checked_mul(SECTOR_SIZE)).ok_or(DeviceError::OutOfRange)?;
        let end = start.checked_add(len).ok_or(DeviceError::OutOfRange)?;
        if end > self.bytes.len() || !len.is_multiple_of(SECTOR_SIZE) {
            return Err(DeviceError::OutOfRange);
        }
        Ok(start..end)
    }
}

impl BlockDevice for MemDevice {
    fn sector_count(&self) -> u64 {
        (self.bytes.len() / SECTOR_SIZE) as u64
    }
    fn read_sectors(&mut self, first: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let range = self.range(first, buf.len())?;
        buf.copy_from_slice(&self.bytes[range]);
        Ok(())
    }
    fn write_sectors(&mut self, first: u64, buf: &[u8]) -> Result<(), DeviceError> {
        let range = self.range(first, buf.len())?;
        self.bytes[range].copy_from_slice(buf);
        Ok(())
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.flushes += 1;
        Ok(())
    }
}

/// Block-granular access on top of a sector device, plus the byte-range
/// read-modify-write that inodes (smaller than a sector or a block) need.
pub(crate) struct Disk<D> {
    pub(crate) dev: D,
    block_size: usize,
}

impl<D: BlockDevice> Disk<D> {
    pub(crate) fn new(dev: D, block_size: usize) -> Disk<D> {
        Disk { dev, block_size }
    }

    pub(crate) fn set_block_size(&mut self, block_size: usize) {
        self.block_size = block_size;
    }

    fn sector_of(&self, block: u32) -> u64 {
        u64::from(block) * (self.block_size / SECTOR_SIZE) as u64
    }

    /// Reads `buf.len() / block_size` consecutive blocks from `block`.
    pub(crate) fn read_blocks(&mut self, block: u32, buf: &mut [u8]) -> Result<(), DeviceError> {
        debug_assert_eq!(buf.len() % self.block_size, 0);
        self.dev.read_sectors(self.sector_of(block), buf)
    }

    /// Writes `buf.len() / block_size` consecutive blocks from `block`.
    pub(crate) fn write_blocks(&mut self, block: u32, buf: &[u8]) -> Result<(), DeviceError> {
        debug_assert_eq!(buf.len() % self.block_size, 0);
        self.dev.write_sectors(self.sector_of(block), buf)
    }

    /// Reads any byte range (rounded out to sectors underneath).
    pub(crate) fn read_bytes(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let (first, skip, mut tmp) = self.sector_span(offset, buf.len());
        self.dev.read_sectors(first, &mut tmp)?;
        buf.copy_from_slice(&tmp[skip..skip + buf.len()]);
        Ok(())
    }

    /// Writes any byte range, reading back the sectors it only partly covers.
    pub(crate) fn write_bytes(&mut self, offset: u64, data: &[u8]) -> Result<(), DeviceError> {
        let (first, skip, mut tmp) = self.sector_span(offset, data.len());
        if skip != 0 || data.len() != tmp.len() {
            self.dev.read_sectors(first, &mut tmp)?;
        }
        tmp[skip..skip + data.len()].copy_from_slice(data);
        self.dev.write_sectors(first, &tmp)
    }

    fn sector_span(&self, offset: u64, len: usize) -> (u64, usize, Vec<u8>) {
        let first = offset / SECTOR_SIZE as u64;
        let skip = (offset % SECTOR_SIZE as u64) as usize;
        let sectors = (skip + len).div_ceil(SECTOR_SIZE);
        (first, skip, vec![0; sectors * SECTOR_SIZE])
    }
}
