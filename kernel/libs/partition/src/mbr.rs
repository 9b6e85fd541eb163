//! MBR: four 16-byte entries at offset 446; an extended partition (0x05,
//! 0x0f, 0x85) chains EBRs, each holding one logical partition (relative
//! to that EBR) and a link to the next EBR (relative to the extended
//! partition's start), as Linux's msdos.c walks them.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{le32, read_sector, Error, Partition, PartitionType, SectorSource, Table, TableKind};

const ENTRIES: usize = 446;
const GPT_PROTECTIVE: u8 = 0xEE;
/// Linux stops after this many logical partitions.
const MAX_LOGICAL: u32 = 256;

pub(crate) fn is_extended(kind: u8) -> bool {
    matches!(kind, 0x05 | 0x0f | 0x85)
}

struct Entry {
    boot: u8,
    kind: u8,
    start: u64,
    sectors: u64,
}

fn entry(sector: &[u8], i: usize) -> Entry {
    let e = &sector[ENTRIES + 16 * i..ENTRIES + 16 * (i + 1)];
    Entry { boot: e[0], kind: e[4], start: u64::from(le32(e, 8)), sectors: u64::from(le32(e, 12)) }
}

pub(crate) fn has_protective_entry(mbr: &[u8]) -> bool {
    (0..4).any(|i| entry(mbr, i).kind == GPT_PROTECTIVE)
}

/// A partition clipped to the disk (Linux truncates one that runs past the
/// end, and ignores one that starts past it).
fn clipped(number: u32, e: &Entry, start: u64, disk: u64) -> Option<Partition> {
    if e.kind == 0 || e.sectors == 0 || start >= disk {
        return None;
    }
    Some(Partition {
        number,
        start_lba: start,
        sectors: e.sectors.min(disk - start),
        kind: PartitionType::Mbr(e.kind),
        bootable: e.boot == 0x80,
        unique_guid: None,
        name: String::new(),
    })
}

pub(crate) fn read<S: SectorSource>(src: &mut S, mbr: &[u8], disk: u64) -> Result<Table, Error<S::Error>> {
    // A FAT boot sector also ends in 55 AA; Linux tells them apart by the
    // boot indicators, which must be 0 or 0x80.
    if (0..4).any(|i| !matches!(entry(mbr, i).boot, 0 | 0x80)) {
        return Ok(Table { kind: TableKind::None, partitions: Vec::new(), disk_guid: None, used_backup: false });
    }
    let mut partitions = Vec::new();
    let mut extended = None;
    for i in 0..4 {
        let e = entry(mbr, i);
        if let Some(p) = clipped(i as u32 + 1, &e, e.start, disk) {
            if is_extended(e.kind) && extended.is_none() {
                extended = Some((p.start_lba, p.sectors));
            }
            partitions.push(p);
        }
    }
    if let Some((ext_start, ext_sectors)) = extended {
        read_logical(src, ext_start, ext_sectors, disk, &mut partitions)?;
    }
    Ok(Table { kind: TableKind::Mbr, partitions, disk_guid: None, used_backup: false })
}

fn read_logical<S: SectorSource>(
    src: &mut S,
    ext_start: u64,
    ext_sectors: u64,
    disk: u64,
    out: &mut Vec<Partition>,
) -> Result<(), Error<S::Error>> {
    let mut ebr_lba = ext_start;
    let mut number = 5;
    while number < 5 + MAX_LOGICAL {
        let ebr = read_sector(src, ebr_lba)?;
        if crate::le16(&ebr, 510) != 0xAA55 {
            return Ok(());
        }
        let logical = entry(&ebr, 0);
        if logical.kind != 0 && !is_extended(logical.kind) {
            if let Some(p) = clipped(number, &logical, ebr_lba + logical.start, disk) {
                out.push(p);
                number += 1;
            }
        }
        let next = entry(&ebr, 1);
        if !is_extended(next.kind) || next.start == 0 {
            return Ok(());
        }
        if next.start >= ext_sectors {
            return Err(Error::Corrupt("EBR link points outside the extended partition"));
        }
        let following = ext_start + next.start;
        if following <= ebr_lba {
            return Err(Error::Corrupt("EBR chain goes backwards"));
        }
        ebr_lba = following;
    }
    Ok(())
}
