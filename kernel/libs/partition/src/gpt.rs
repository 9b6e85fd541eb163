//! GPT: the header at LBA 1 (its backup in the last sector) and the
//! partition entry array it points to, each with a CRC32, checked as
//! Linux's efi.c checks them. A damaged primary falls back to the backup.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::{
    crc32, le32, le64, read_sector, Error, Partition, PartitionType, SectorSource, Table, TableKind, SECTOR_SIZE,
};

const SIGNATURE: &[u8; 8] = b"EFI PART";
const HEADER_MIN: usize = 92;
const ENTRY_SIZE: usize = 128;
/// More entries than any tool writes (128 is the norm); bounds the read.
const MAX_ENTRIES: u32 = 4096;
/// Attribute bit 2: legacy BIOS bootable.
const LEGACY_BOOTABLE: u64 = 1 << 2;

/// A GUID as stored on disk (first three fields little-endian).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// Linux filesystem data, 0FC63DAF-8483-4772-8E79-3D69D8477DE4.
    pub const LINUX_FS: Guid =
        Guid::from_fields(0x0FC6_3DAF, 0x8483, 0x4772, [0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4]);
    /// EFI system partition, C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
    pub const EFI_SYSTEM: Guid =
        Guid::from_fields(0xC12A_7328, 0xF81F, 0x11D2, [0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B]);

    pub const fn from_fields(a: u32, b: u16, c: u16, d: [u8; 8]) -> Guid {
        let a = a.to_le_bytes();
        let b = b.to_le_bytes();
        let c = c.to_le_bytes();
        Guid([a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
    }

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 16]
    }
}

/// The usual text form, upper case: `0FC63DAF-8483-4772-8E79-3D69D8477DE4`.
impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = &self.0;
        write!(
            f,
            "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
            le32(g, 0),
            crate::le16(g, 4),
            crate::le16(g, 6),
            g[8],
            g[9],
            g[10],
            g[11],
            g[12],
            g[13],
            g[14],
            g[15]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

struct Header {
    first_usable: u64,
    last_usable: u64,
    disk_guid: Guid,
    entries_lba: u64,
    entries: u32,
    entries_crc: u32,
}

/// The header at `lba`, if it is valid and claims to be at `lba`.
fn header<S: SectorSource>(src: &mut S, lba: u64, disk: u64) -> Result<Option<Header>, Error<S::Error>> {
    let sector = read_sector(src, lba)?;
    if &sector[..8] != SIGNATURE {
        return Ok(None);
    }
    let size = le32(&sector, 12) as usize;
    if !(HEADER_MIN..=SECTOR_SIZE).contains(&size) {
        return Ok(None);
    }
    let mut zeroed = sector;
    zeroed[16..20].fill(0);
    if crc32(&zeroed[..size]) != le32(&sector, 16) || le64(&sector, 24) != lba {
        return Ok(None);
    }
    let mut guid = [0; 16];
    guid.copy_from_slice(&sector[56..72]);
    let h = Header {
        first_usable: le64(&sector, 40),
        last_usable: le64(&sector, 48),
        disk_guid: Guid(guid),
        entries_lba: le64(&sector, 72),
        entries: le32(&sector, 80),
        entries_crc: le32(&sector, 88),
    };
    let sane = le32(&sector, 84) as usize == ENTRY_SIZE
        && h.entries <= MAX_ENTRIES
        && h.first_usable <= h.last_usable
        && h.last_usable < disk
        && h.entries_lba < disk;
    Ok(sane.then_some(h))
}

/// The entry array, if its CRC matches.
fn entries<S: SectorSource>(src: &mut S, h: &Header, disk: u64) -> Result<Option<Vec<u8>>, Error<S::Error>> {
    let len = h.entries as usize * ENTRY_SIZE;
    let sectors = len.div_ceil(SECTOR_SIZE) as u64;
    if h.entries_lba + sectors > disk {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(sectors as usize * SECTOR_SIZE);
    for i in 0..sectors {
        bytes.extend_from_slice(&read_sector(src, h.entries_lba + i)?);
    }
    bytes.truncate(len);
    Ok((crc32(&bytes) == h.entries_crc).then_some(bytes))
}

pub(crate) fn read<S: SectorSource>(src: &mut S, disk: u64) -> Result<Table, Error<S::Error>> {
    let last = disk - 1;
    let mut used_backup = false;
    let mut found = None;
    for lba in [1, last] {
        if let Some(h) = header(src, lba, disk)? {
            if let Some(array) = entries(src, &h, disk)? {
                found = Some((h, array));
                break;
            }
        }
        used_backup = true;
    }
    let (h, array) = found.ok_or(Error::Corrupt("no valid GPT header and entry array (primary or backup)"))?;
    let mut partitions = Vec::new();
    for (i, e) in array.chunks_exact(ENTRY_SIZE).enumerate() {
        let mut kind = [0; 16];
        kind.copy_from_slice(&e[..16]);
        if kind == [0; 16] {
            continue;
        }
        let (first, last_lba) = (le64(e, 32), le64(e, 40));
        // Linux's is_pte_valid: inside the usable range.
        if first > last_lba || first < h.first_usable || last_lba > h.last_usable {
            continue;
        }
        let mut unique = [0; 16];
        unique.copy_from_slice(&e[16..32]);
        let units = (0..36).map(|k| crate::le16(e, 56 + 2 * k)).take_while(|&u| u != 0);
        let name: String = char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
        partitions.push(Partition {
            number: i as u32 + 1,
            start_lba: first,
            sectors: last_lba - first + 1,
            kind: PartitionType::Gpt(Guid(kind)),
            bootable: le64(e, 48) & LEGACY_BOOTABLE != 0,
            unique_guid: Some(Guid(unique)),
            name,
        });
    }
    Ok(Table { kind: TableKind::Gpt, partitions, disk_guid: Some(h.disk_guid), used_backup })
}
