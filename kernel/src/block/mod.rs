//! The block layer: whole disks and their partitions (from MBR or GPT
//! tables, read by `kernel-partition`) as Linux numbers them for
//! virtio-blk (major 254, 16 minors per disk: `vda` 254:0, `vda1` 254:1,
//! `vdb` 254:16), byte-addressed reads and writes over whole-sector I/O,
//! and /proc/partitions. Every read and write goes through the page
//! cache (`cache`).

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_partition::{SectorSource, SECTOR_SIZE};
use spin::Mutex;

use crate::drivers::virtio::blk::Disk;

pub mod cache;

/// virtio-blk's major number on Linux (the first dynamic block major).
pub const VIRTBLK_MAJOR: u32 = 254;
const MINORS_PER_DISK: u32 = 16;
/// One request's worth of sectors moved per step of a byte-range I/O.
const CHUNK: usize = 64 * 1024;

/// A disk or one of its partitions.
pub struct BlockDev {
    /// `vda`, `vda1`, ...
    pub name: String,
    pub disk: Arc<Disk>,
    /// First sector on the disk and length, in 512-byte sectors.
    pub start: u64,
    pub sectors: u64,
    pub major: u32,
    pub minor: u32,
}

static DEVICES: Mutex<Vec<Arc<BlockDev>>> = Mutex::new(Vec::new());

/// A disk seen by the partition parser.
struct Source<'a>(&'a Disk);

impl SectorSource for Source<'_> {
    type Error = Errno;
    fn sector_count(&self) -> u64 {
        self.0.sectors
    }
    fn read_sector(&mut self, lba: u64, buf: &mut [u8; SECTOR_SIZE]) -> Result<(), Errno> {
        cache::read(self.0, lba, buf)
    }
}

/// The whole disk and its partitions (numbered as Linux numbers them).
fn scan(disk: &Arc<Disk>, index: u32) -> Vec<Arc<BlockDev>> {
    let base = index * MINORS_PER_DISK;
    let whole = BlockDev {
        name: disk.name.clone(),
        disk: disk.clone(),
        start: 0,
        sectors: disk.sectors,
        major: VIRTBLK_MAJOR,
        minor: base,
    };
    let mut devs = vec![Arc::new(whole)];
    match kernel_partition::read_table(&mut Source(disk)) {
        Ok(table) => {
            for p in table.partitions.iter().filter(|p| p.number < MINORS_PER_DISK) {
                // An extended partition shows its first two sectors, as on Linux.
                let sectors = if p.is_extended() { p.sectors.min(2) } else { p.sectors };
                devs.push(Arc::new(BlockDev {
                    name: format!("{}{}", disk.name, p.number),
                    disk: disk.clone(),
                    start: p.start_lba,
                    sectors,
                    major: VIRTBLK_MAJOR,
                    minor: base + p.number,
                }));
            }
        }
        Err(e) => printk!(crate::printk::LEVEL_WARNING, "{}: {e}", disk.name),
    }
    let names: Vec<&str> = devs[1..].iter().map(|d| d.name.as_str()).collect();
    printk!(" {}: {}", disk.name, names.join(" "));
    devs
}

/// Reads every disk's partition table (at boot).
pub fn init() {
    let mut all = Vec::new();
    for (i, disk) in crate::drivers::virtio::disks().iter().enumerate() {
        all.extend(scan(disk, i as u32));
    }
    *DEVICES.lock() = all;
}

/// Every block device, disks and partitions, in /proc/partitions order.
pub fn all() -> Vec<Arc<BlockDev>> {
    DEVICES.lock().clone()
}

pub fn by_numbers(major: u32, minor: u32) -> Option<Arc<BlockDev>> {
    DEVICES.lock().iter().find(|d| d.major == major && d.minor == minor).cloned()
}

/// BLKRRPART: reads `dev`'s table again (whole disks only, as Linux;
/// EINVAL on a partition). The partitions' device numbers are replaced.
pub fn reread_partitions(dev: &BlockDev) -> Result<(), Errno> {
    if dev.start != 0 || dev.minor % MINORS_PER_DISK != 0 {
        return Err(Errno::EINVAL);
    }
    let index = dev.minor / MINORS_PER_DISK;
    let fresh = scan(&dev.disk, index);
    let mut devs = DEVICES.lock();
    devs.retain(|d| d.minor / MINORS_PER_DISK != index);
    let at = devs.iter().position(|d| d.minor > dev.minor).unwrap_or(devs.len());
    for (k, d) in fresh.into_iter().enumerate() {
        devs.insert(at + k, d);
    }
    Ok(())
}

/// /proc/partitions, in Linux's format (sizes in 1 KiB blocks).
pub fn proc_partitions() -> String {
    let mut s = String::from("major minor  #blocks  name\n\n");
    for d in all() {
        s.push_str(&format!("{:4}  {:7} {:10} {}\n", d.major, d.minor, d.sectors / 2, d.name));
    }
    s
}

impl BlockDev {
    pub fn size(&self) -> u64 {
        self.sectors * SECTOR_SIZE as u64
    }

    /// Reads at byte `offset`; short at the end of the device, 0 past it.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let len = (buf.len() as u64).min(self.size().saturating_sub(offset)) as usize;
        let mut tmp = Vec::new();
        for c in chunks(offset, len) {
            tmp.resize(c.span, 0);
            cache::read(&self.disk, self.start + c.sector, &mut tmp)?;
            buf[c.done..c.done + c.len].copy_from_slice(&tmp[c.skip..c.skip + c.len]);
        }
        Ok(len)
    }

    /// Writes at byte `offset` (partial sectors are read, merged and
    /// written back); short at the end of the device, ENOSPC past it.
    pub fn write_at(&self, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        let room = self.size().saturating_sub(offset);
        if room == 0 && !data.is_empty() {
            return Err(Errno::ENOSPC);
        }
        let len = (data.len() as u64).min(room) as usize;
        let mut tmp = Vec::new();
        for c in chunks(offset, len) {
            let sector = self.start + c.sector;
            tmp.resize(c.span, 0);
            if c.skip != 0 || c.len != c.span {
                // Keep the bytes of the first and last sector we do not write.
                cache::read(&self.disk, sector, &mut tmp[..SECTOR_SIZE])?;
                if c.span > SECTOR_SIZE {
                    let last = sector + (c.span / SECTOR_SIZE) as u64 - 1;
                    cache::read(&self.disk, last, &mut tmp[c.span - SECTOR_SIZE..])?;
                }
            }
            tmp[c.skip..c.skip + c.len].copy_from_slice(&data[c.done..c.done + c.len]);
            cache::write(&self.disk, sector, &tmp)?;
        }
        Ok(len)
    }

    /// fsync: the disk's dirty pages written back, then FLUSH (a
    /// partition shares its disk's pages, so the whole disk goes).
    pub fn flush(&self) -> Result<(), Errno> {
        cache::sync_disk(&self.disk)
    }

    /// BLKFLSBUF: as `flush`, and the disk's clean pages are dropped.
    pub fn invalidate(&self) -> Result<(), Errno> {
        cache::invalidate(&self.disk)
    }
}

/// One piece of a byte range on a device, at most `CHUNK` bytes: the
/// whole sectors `span` bytes long from `sector` (relative to the
/// device's start) hold bytes `skip..skip + len` of it, which are bytes
/// `done..done + len` of the range.
struct Chunk {
    sector: u64,
    span: usize,
    skip: usize,
    len: usize,
    done: usize,
}

/// The pieces of `len` bytes at byte `offset`, in order.
fn chunks(offset: u64, len: usize) -> impl Iterator<Item = Chunk> {
    let mut done = 0;
    core::iter::from_fn(move || {
        if done >= len {
            return None;
        }
        let at = offset + done as u64;
        let skip = (at % SECTOR_SIZE as u64) as usize;
        let n = (len - done).min(CHUNK - skip);
        let chunk = Chunk {
            sector: at / SECTOR_SIZE as u64,
            span: (skip + n).div_ceil(SECTOR_SIZE) * SECTOR_SIZE,
            skip,
            len: n,
            done,
        };
        done += n;
        Some(chunk)
    })
}
