//! Partitioned disk images: an MBR or GPT table around a filesystem image,
//! which becomes partition 1 (`/dev/vda1` in the guest). Written by hand:
//! the layout is a few fixed structures, and no partitioning tool is needed
//! on the host (sfdisk/parted are not installed everywhere).

use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;

use crate::config::PartitionTable;

pub const SECTOR: u64 = 512;
/// Partition 1 starts at 1 MiB, as every modern tool aligns it.
pub const FIRST_LBA: u64 = 2048;
/// Room kept after the partition (GPT's backup table needs 33 sectors).
const TAIL_SECTORS: u64 = 2048;
const GPT_ENTRIES: usize = 128;
const GPT_ENTRY_SIZE: usize = 128;
/// Linux filesystem data partition type GUID 0FC63DAF-8483-4772-8E79-3D69D8477DE4.
const LINUX_FS_GUID: [u8; 16] = guid(0x0FC6_3DAF, 0x8483, 0x4772, [0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4]);

/// The byte offset of partition 1 in an image with `table`.
pub fn fs_offset(table: PartitionTable) -> u64 {
    match table {
        PartitionTable::None => 0,
        PartitionTable::Mbr | PartitionTable::Gpt => FIRST_LBA * SECTOR,
    }
}

/// GUIDs store their first three fields little-endian.
const fn guid(a: u32, b: u16, c: u16, d: [u8; 8]) -> [u8; 16] {
    let a = a.to_le_bytes();
    let b = b.to_le_bytes();
    let c = c.to_le_bytes();
    [a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]
}

/// CRC-32 (IEEE 802.3), as GPT uses.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    buf[at..at + bytes.len()].copy_from_slice(bytes);
}

/// An MBR sector with one partition entry (or the protective one for GPT).
fn mbr(kind: u8, first: u64, sectors: u64, signature: u32) -> Vec<u8> {
    let mut s = vec![0u8; SECTOR as usize];
    put(&mut s, 440, &signature.to_le_bytes());
    let e = 446;
    s[e + 4] = kind;
    // CHS fields are obsolete; 0xFFFFFE means "use LBA".
    put(&mut s, e + 1, &[0xFE, 0xFF, 0xFF]);
    put(&mut s, e + 5, &[0xFE, 0xFF, 0xFF]);
    put(&mut s, e + 8, &(first as u32).to_le_bytes());
    put(&mut s, e + 12, &(sectors.min(u64::from(u32::MAX)) as u32).to_le_bytes());
    put(&mut s, 510, &[0x55, 0xAA]);
    s
}

fn gpt_entries(first: u64, last: u64, unique: [u8; 16], name: &str) -> Vec<u8> {
    let mut entries = vec![0u8; GPT_ENTRIES * GPT_ENTRY_SIZE];
    put(&mut entries, 0, &LINUX_FS_GUID);
    put(&mut entries, 16, &unique);
    put(&mut entries, 32, &first.to_le_bytes());
    put(&mut entries, 40, &last.to_le_bytes());
    for (i, unit) in name.encode_utf16().take(36).enumerate() {
        put(&mut entries, 56 + 2 * i, &unit.to_le_bytes());
    }
    entries
}

fn gpt_header(
    current: u64,
    backup: u64,
    entries_lba: u64,
    last_usable: u64,
    disk: [u8; 16],
    entries_crc: u32,
) -> Vec<u8> {
    let mut h = vec![0u8; SECTOR as usize];
    put(&mut h, 0, b"EFI PART");
    put(&mut h, 8, &0x0001_0000u32.to_le_bytes());
    put(&mut h, 12, &92u32.to_le_bytes());
    put(&mut h, 24, &current.to_le_bytes());
    put(&mut h, 32, &backup.to_le_bytes());
    put(&mut h, 40, &34u64.to_le_bytes());
    put(&mut h, 48, &last_usable.to_le_bytes());
    put(&mut h, 56, &disk);
    put(&mut h, 72, &entries_lba.to_le_bytes());
    put(&mut h, 80, &(GPT_ENTRIES as u32).to_le_bytes());
    put(&mut h, 84, &(GPT_ENTRY_SIZE as u32).to_le_bytes());
    put(&mut h, 88, &entries_crc.to_le_bytes());
    let crc = crc32(&h[..92]);
    put(&mut h, 16, &crc.to_le_bytes());
    h
}

/// Writes `out`: the table, then `fs` as partition 1, then the tail.
/// `seed` (16 bytes from the cache key) makes the disk and partition ids
/// reproducible.
pub fn wrap(fs: &Path, out: &Path, table: PartitionTable, seed: [u8; 16], label: &str) -> anyhow::Result<()> {
    let fs_len = std::fs::metadata(fs).with_context(|| format!("reading {}", fs.display()))?.len();
    let fs_sectors = fs_len.div_ceil(SECTOR);
    let total = FIRST_LBA + fs_sectors + TAIL_SECTORS;
    let last_lba = total - 1;
    let mut head = vec![0u8; (FIRST_LBA * SECTOR) as usize];
    let mut tail = vec![0u8; (TAIL_SECTORS * SECTOR) as usize];
    let signature = u32::from_le_bytes([seed[0], seed[1], seed[2], seed[3]]);
    match table {
        PartitionTable::None => anyhow::bail!("no partition table to write"),
        PartitionTable::Mbr => put(&mut head, 0, &mbr(0x83, FIRST_LBA, fs_sectors, signature)),
        PartitionTable::Gpt => {
            let mut disk = seed;
            disk[6] = (disk[6] & 0x0F) | 0x40; // version 4 GUID
            let mut unique = seed;
            unique.reverse();
            unique[6] = (unique[6] & 0x0F) | 0x40;
            let last_usable = last_lba - 33;
            let entries = gpt_entries(FIRST_LBA, FIRST_LBA + fs_sectors - 1, unique, label);
            let entries_crc = crc32(&entries);
            put(&mut head, 0, &mbr(0xEE, 1, total - 1, 0));
            put(&mut head, SECTOR as usize, &gpt_header(1, last_lba, 2, last_usable, disk, entries_crc));
            put(&mut head, 2 * SECTOR as usize, &entries);
            // Backup: entries in the 32 sectors before the last, header last.
            let tail_start = FIRST_LBA + fs_sectors;
            let backup_entries_lba = last_lba - 32;
            put(&mut tail, ((backup_entries_lba - tail_start) * SECTOR) as usize, &entries);
            put(
                &mut tail,
                ((last_lba - tail_start) * SECTOR) as usize,
                &gpt_header(last_lba, 1, backup_entries_lba, last_usable, disk, entries_crc),
            );
        }
    }
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?);
    w.write_all(&head)?;
    let mut src = std::fs::File::open(fs)?;
    let copied = std::io::copy(&mut src, &mut w)?;
    w.write_all(&vec![0u8; (fs_sectors * SECTOR - copied) as usize])?;
    w.write_all(&tail)?;
    w.flush()?;
    Ok(())
}

/// Copies partition 1 of a raw image `img` (with `table`) into `out`, so
/// e2fsck and debugfs can read it.
pub fn extract(img: &Path, table: PartitionTable, out: &Path) -> anyhow::Result<()> {
    let mut f = std::fs::File::open(img).with_context(|| format!("opening {}", img.display()))?;
    let len = f.metadata()?.len();
    let (start, size) = match table {
        PartitionTable::None => (0, len),
        PartitionTable::Mbr | PartitionTable::Gpt => {
            let mut sector = [0u8; 512];
            f.read_exact(&mut sector)?;
            if table == PartitionTable::Gpt {
                (FIRST_LBA * SECTOR, len - FIRST_LBA * SECTOR - TAIL_SECTORS * SECTOR)
            } else {
                let lba = u32::from_le_bytes([sector[454], sector[455], sector[456], sector[457]]) as u64;
                let n = u32::from_le_bytes([sector[458], sector[459], sector[460], sector[461]]) as u64;
                (lba * SECTOR, n * SECTOR)
            }
        }
    };
    use std::io::Seek;
    f.seek(std::io::SeekFrom::Start(start))?;
    let mut w = std::fs::File::create(out)?;
    std::io::copy(&mut f.take(size), &mut w)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn linux_guid_layout() {
        assert_eq!(&LINUX_FS_GUID[..4], &[0xAF, 0x3D, 0xC6, 0x0F]);
    }

    fn roundtrip(table: PartitionTable) {
        let dir = tempfile::tempdir().unwrap();
        let fs = dir.path().join("fs");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&fs, &data).unwrap();
        let img = dir.path().join("img");
        wrap(&fs, &img, table, [7; 16], "data").unwrap();
        let bytes = std::fs::read(&img).unwrap();
        assert_eq!(&bytes[510..512], &[0x55, 0xAA]);
        assert_eq!(&bytes[FIRST_LBA as usize * 512..][..data.len()], &data[..]);
        if table == PartitionTable::Gpt {
            let h = &bytes[512..1024];
            assert_eq!(&h[..8], b"EFI PART");
            let mut zeroed = h[..92].to_vec();
            zeroed[16..20].fill(0);
            assert_eq!(crc32(&zeroed).to_le_bytes(), h[16..20], "header CRC");
            let backup = &bytes[bytes.len() - 512..];
            assert_eq!(&backup[..8], b"EFI PART", "backup header in the last sector");
        }
        let out = dir.path().join("out");
        extract(&img, table, &out).unwrap();
        let got = std::fs::read(&out).unwrap();
        assert_eq!(&got[..data.len()], &data[..]);
    }

    /// The kernel's partition parser finds partition 1 where `wrap` put it.
    fn kernel_parser_reads(table: PartitionTable) {
        let dir = tempfile::tempdir().unwrap();
        let fs = dir.path().join("fs");
        std::fs::write(&fs, vec![0x5a; 300_000]).unwrap();
        let img = dir.path().join("img");
        wrap(&fs, &img, table, [3; 16], "data").unwrap();
        let bytes = std::fs::read(&img).unwrap();
        let parsed = kernel_partition::read_table(&mut bytes.as_slice()).unwrap();
        let p = &parsed.partitions[0];
        assert_eq!(parsed.partitions.len(), 1);
        assert_eq!((p.number, p.start_lba, p.sectors), (1, FIRST_LBA, 300_000u64.div_ceil(SECTOR)));
        match table {
            PartitionTable::Mbr => {
                assert_eq!(parsed.kind, kernel_partition::TableKind::Mbr);
                assert_eq!(p.kind, kernel_partition::PartitionType::Mbr(0x83));
            }
            PartitionTable::Gpt => {
                assert_eq!(parsed.kind, kernel_partition::TableKind::Gpt);
                assert!(!parsed.used_backup, "primary GPT rejected");
                assert_eq!(p.kind, kernel_partition::PartitionType::Gpt(kernel_partition::Guid(LINUX_FS_GUID)));
                assert_eq!(p.name, "data");
                // The backup alone describes the same partition.
                let mut damaged = bytes.clone();
                damaged[512..1024].fill(0);
                let backup = kernel_partition::read_table(&mut damaged.as_slice()).unwrap();
                assert!(backup.used_backup);
                assert_eq!(backup.partitions, parsed.partitions);
            }
            PartitionTable::None => unreachable!(),
        }
    }

    #[test]
    fn kernel_parser_reads_mbr() {
        kernel_parser_reads(PartitionTable::Mbr);
    }

    #[test]
    fn kernel_parser_reads_gpt() {
        kernel_parser_reads(PartitionTable::Gpt);
    }

    #[test]
    fn mbr_roundtrip() {
        roundtrip(PartitionTable::Mbr);
    }

    #[test]
    fn gpt_roundtrip() {
        roundtrip(PartitionTable::Gpt);
    }
}
