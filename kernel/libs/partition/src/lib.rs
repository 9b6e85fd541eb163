//! Partition tables, read as Linux's block layer reads them: GPT (checked
//! first; header and entry-array CRC32s, the backup header at the disk's
//! end when the primary is damaged) and MBR (four primary entries, then
//! the logical partitions chained through an extended one, numbered from
//! 5). Pure parsing over a [`SectorSource`]: the kernel passes its block
//! device, tests pass a byte slice.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod crc32;
mod gpt;
mod mbr;

use alloc::vec::Vec;
use core::fmt;

pub use crc32::crc32;
pub use gpt::Guid;

/// Bytes per logical sector (the only size the parser handles, as the
/// virtio-blk disks we boot have).
pub const SECTOR_SIZE: usize = 512;

/// Where the table is read from.
pub trait SectorSource {
    type Error;
    /// The disk's size in sectors.
    fn sector_count(&self) -> u64;
    /// Reads one sector.
    fn read_sector(&mut self, lba: u64, buf: &mut [u8; SECTOR_SIZE]) -> Result<(), Self::Error>;
}

/// A whole disk image in memory.
impl SectorSource for &[u8] {
    type Error = OutOfRange;
    fn sector_count(&self) -> u64 {
        (self.len() / SECTOR_SIZE) as u64
    }
    fn read_sector(&mut self, lba: u64, buf: &mut [u8; SECTOR_SIZE]) -> Result<(), OutOfRange> {
        let start = usize::try_from(lba).ok().and_then(|l| l.checked_mul(SECTOR_SIZE)).ok_or(OutOfRange)?;
        let bytes = self.get(start..start + SECTOR_SIZE).ok_or(OutOfRange)?;
        buf.copy_from_slice(bytes);
        Ok(())
    }
}

/// A read past the end of an in-memory image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange;

/// Which kind of table the disk has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// No MBR signature: an unpartitioned disk (perhaps a filesystem).
    None,
    Mbr,
    Gpt,
}

/// What a partition holds, by its table's type field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionType {
    /// An MBR system id (0x83 Linux, 0x0c FAT32 LBA...).
    Mbr(u8),
    /// A GPT partition type GUID.
    Gpt(Guid),
}

/// One partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// Linux's number: the `1` of `vda1`. MBR primaries are 1-4 and
    /// logical partitions 5 on; GPT entries are their index plus one.
    pub number: u32,
    pub start_lba: u64,
    pub sectors: u64,
    pub kind: PartitionType,
    /// The MBR boot flag (0x80); GPT's legacy BIOS bootable attribute.
    pub bootable: bool,
    /// GPT: the partition's own GUID.
    pub unique_guid: Option<Guid>,
    /// GPT: the name (UTF-16 in the table), up to 36 characters.
    pub name: alloc::string::String,
}

impl Partition {
    /// Whether this MBR entry is an extended partition (a container of
    /// logical ones). Linux exposes only its first two sectors.
    pub fn is_extended(&self) -> bool {
        matches!(self.kind, PartitionType::Mbr(t) if mbr::is_extended(t))
    }
}

/// A disk's partition table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub kind: TableKind,
    /// In number order.
    pub partitions: Vec<Partition>,
    /// GPT: the disk GUID; MBR: none.
    pub disk_guid: Option<Guid>,
    /// GPT: the primary header or entries were damaged and the backup was used.
    pub used_backup: bool,
}

/// Why a table could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error<E> {
    /// The device failed.
    Read(E),
    /// A table is there but unusable (both GPT headers bad, a chained
    /// EBR pointing outside the extended partition...).
    Corrupt(&'static str),
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read(e) => write!(f, "reading the partition table failed: {e:?}"),
            Error::Corrupt(why) => write!(f, "corrupt partition table: {why}"),
        }
    }
}

pub(crate) fn read_sector<S: SectorSource>(src: &mut S, lba: u64) -> Result<[u8; SECTOR_SIZE], Error<S::Error>> {
    let mut buf = [0; SECTOR_SIZE];
    src.read_sector(lba, &mut buf).map_err(Error::Read)?;
    Ok(buf)
}

pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
pub(crate) fn le64(b: &[u8], at: usize) -> u64 {
    u64::from(le32(b, at)) | u64::from(le32(b, at + 4)) << 32
}

/// Reads the partition table of a disk. A disk without an MBR signature
/// has no table (kind None), like a bare filesystem image.
pub fn read_table<S: SectorSource>(src: &mut S) -> Result<Table, Error<S::Error>> {
    let disk_sectors = src.sector_count();
    if disk_sectors == 0 {
        return Ok(Table { kind: TableKind::None, partitions: Vec::new(), disk_guid: None, used_backup: false });
    }
    let mbr = read_sector(src, 0)?;
    if le16(&mbr, 510) != 0xAA55 {
        return Ok(Table { kind: TableKind::None, partitions: Vec::new(), disk_guid: None, used_backup: false });
    }
    if mbr::has_protective_entry(&mbr) {
        return gpt::read(src, disk_sectors);
    }
    mbr::read(src, &mbr, disk_sectors)
}
