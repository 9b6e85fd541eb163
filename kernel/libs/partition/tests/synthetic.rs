//! Tables built byte by byte: MBR with logical partitions, GPT with its
//! backup, and the damaged cases Linux rejects or recovers from.

use kernel_partition::{crc32, read_table, Error, Guid, Partition, PartitionType, TableKind};

const S: usize = 512;

fn disk(sectors: usize) -> Vec<u8> {
    vec![0; sectors * S]
}

fn put32(d: &mut [u8], at: usize, v: u32) {
    d[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put64(d: &mut [u8], at: usize, v: u64) {
    d[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Writes MBR-style entry `i` of the sector at `lba`, and its signature.
fn mbr_entry(d: &mut [u8], lba: usize, i: usize, boot: u8, kind: u8, start: u32, sectors: u32) {
    let at = lba * S + 446 + 16 * i;
    d[at] = boot;
    d[at + 4] = kind;
    put32(d, at + 8, start);
    put32(d, at + 12, sectors);
    d[lba * S + 510] = 0x55;
    d[lba * S + 511] = 0xAA;
}

fn parse(d: &[u8]) -> Result<kernel_partition::Table, Error<kernel_partition::OutOfRange>> {
    let mut src = d;
    read_table(&mut src)
}

fn spans(parts: &[Partition]) -> Vec<(u32, u64, u64)> {
    parts.iter().map(|p| (p.number, p.start_lba, p.sectors)).collect()
}

#[test]
fn blank_disk_and_bare_filesystem_have_no_table() {
    assert_eq!(parse(&disk(100)).unwrap().kind, TableKind::None);
    assert_eq!(parse(&[]).unwrap().kind, TableKind::None);
    // A FAT boot sector ends in 55 AA too, but its "boot flags" are code.
    let mut d = disk(100);
    mbr_entry(&mut d, 0, 0, 0x12, 0x83, 1, 10);
    assert_eq!(parse(&d).unwrap().kind, TableKind::None);
}

#[test]
fn mbr_primaries_and_logicals_number_as_linux() {
    let mut d = disk(10_000);
    mbr_entry(&mut d, 0, 0, 0x80, 0x83, 2048, 1000);
    mbr_entry(&mut d, 0, 1, 0, 0x05, 4000, 5000);
    mbr_entry(&mut d, 0, 3, 0, 0x0c, 9500, 1000); // runs past the end: clipped
                                                  // EBR chain: logical 5 at 4000+63, link to the next EBR at +2000.
    mbr_entry(&mut d, 4000, 0, 0, 0x83, 63, 900);
    mbr_entry(&mut d, 4000, 1, 0, 0x05, 2000, 1000);
    mbr_entry(&mut d, 6000, 0, 0, 0x82, 63, 500);
    let t = parse(&d).unwrap();
    assert_eq!(t.kind, TableKind::Mbr);
    assert_eq!(
        spans(&t.partitions),
        [(1, 2048, 1000), (2, 4000, 5000), (4, 9500, 500), (5, 4063, 900), (6, 6063, 500)]
    );
    assert!(t.partitions[0].bootable && !t.partitions[1].bootable);
    assert!(t.partitions[1].is_extended());
    assert_eq!(t.partitions[4].kind, PartitionType::Mbr(0x82));

    // A link outside the extended partition is corruption.
    mbr_entry(&mut d, 6000, 1, 0, 0x05, 7000, 10);
    assert!(matches!(parse(&d), Err(Error::Corrupt(_))));
}

struct GptLayout {
    sectors: usize,
}

/// A GPT disk: protective MBR, primary header and entries, backup entries
/// and header; two partitions.
fn gpt_disk() -> (Vec<u8>, GptLayout) {
    let sectors = 4096;
    let mut d = disk(sectors);
    mbr_entry(&mut d, 0, 0, 0, 0xEE, 1, (sectors - 1) as u32);
    let mut entries = vec![0u8; 128 * 128];
    let unique = Guid([9; 16]);
    entries[..16].copy_from_slice(&Guid::LINUX_FS.0);
    entries[16..32].copy_from_slice(&unique.0);
    put64(&mut entries, 32, 2048);
    put64(&mut entries, 40, 3071);
    for (i, u) in "root".encode_utf16().enumerate() {
        entries[56 + 2 * i..58 + 2 * i].copy_from_slice(&u.to_le_bytes());
    }
    // Entry 3 (index 2): EFI system partition, legacy-bootable.
    let e = 2 * 128;
    entries[e..e + 16].copy_from_slice(&Guid::EFI_SYSTEM.0);
    put64(&mut entries, e + 32, 34);
    put64(&mut entries, e + 40, 2047);
    put64(&mut entries, e + 48, 1 << 2);
    let last = sectors as u64 - 1;
    let write_header = |d: &mut Vec<u8>, me: u64, other: u64, entries_lba: u64| {
        let at = me as usize * S;
        let h = &mut d[at..at + S];
        h[..8].copy_from_slice(b"EFI PART");
        put32(h, 8, 0x0001_0000);
        put32(h, 12, 92);
        put64(h, 24, me);
        put64(h, 32, other);
        put64(h, 40, 34);
        put64(h, 48, last - 33);
        h[56..72].copy_from_slice(&[0x42; 16]);
        put64(h, 72, entries_lba);
        put32(h, 80, 128);
        put32(h, 84, 128);
        put32(h, 88, crc32(&entries));
        let crc = crc32(&h[..92]);
        put32(h, 16, crc);
        d[entries_lba as usize * S..entries_lba as usize * S + entries.len()].copy_from_slice(&entries);
    };
    write_header(&mut d, 1, last, 2);
    write_header(&mut d, last, 1, last - 32);
    (d, GptLayout { sectors })
}

#[test]
fn gpt_entries_with_names_types_and_attributes() {
    let (d, _) = gpt_disk();
    let t = parse(&d).unwrap();
    assert_eq!(t.kind, TableKind::Gpt);
    assert!(!t.used_backup);
    assert_eq!(t.disk_guid, Some(Guid([0x42; 16])));
    assert_eq!(spans(&t.partitions), [(1, 2048, 1024), (3, 34, 2014)]);
    assert_eq!(t.partitions[0].kind, PartitionType::Gpt(Guid::LINUX_FS));
    assert_eq!(t.partitions[0].name, "root");
    assert_eq!(t.partitions[0].unique_guid, Some(Guid([9; 16])));
    assert!(t.partitions[1].bootable);
    assert_eq!(Guid::LINUX_FS.to_string(), "0FC63DAF-8483-4772-8E79-3D69D8477DE4");
}

#[test]
fn gpt_damaged_primary_falls_back_to_the_backup() {
    let (mut d, layout) = gpt_disk();
    d[S + 40] ^= 1; // first_usable: the header CRC no longer matches
    let t = parse(&d).unwrap();
    assert!(t.used_backup);
    assert_eq!(t.partitions.len(), 2);

    // A damaged primary entry array (header intact) also falls back.
    let (mut d, _) = gpt_disk();
    d[2 * S + 33] ^= 0xff;
    let t = parse(&d).unwrap();
    assert!(t.used_backup);
    assert_eq!(t.partitions[0].start_lba, 2048);

    // Both gone: an error, not an empty disk.
    let last = layout.sectors - 1;
    d[last * S + 40] ^= 1;
    d[S + 40] ^= 1;
    assert_eq!(parse(&d), Err(Error::Corrupt("no valid GPT header and entry array (primary or backup)")));
}

#[test]
fn gpt_entries_outside_the_usable_range_are_ignored() {
    let (mut d, _) = gpt_disk();
    // Rewrite entry 1 to end past last_usable and fix the CRCs.
    let entries_at = 2 * S;
    put64(&mut d, entries_at + 40, 4095);
    let crc = crc32(&d[entries_at..entries_at + 128 * 128]);
    put32(&mut d, S + 88, crc);
    d[S + 16..S + 20].fill(0);
    let hcrc = crc32(&d[S..S + 92]);
    put32(&mut d, S + 16, hcrc);
    let t = parse(&d).unwrap();
    assert!(!t.used_backup);
    assert_eq!(spans(&t.partitions), [(3, 34, 2014)]);
}
