//! Reading a file a guest wrote, host side, from each kind of disk a
//! contract step may name: FAT or ext2, bare or as partition 1 of an MBR or
//! GPT table. No QEMU boots here (`qemu-img` only flattens images).

use std::path::Path;

use xtask::artifacts::fat::{write_image, FatFile};
use xtask::artifacts::partition;
use xtask::config::PartitionTable;
use xtask::runner::host_checks::{read_file, TestDisk};

const REPORT: &[u8] = b"format=xtask-boot-report/1\nfirmware=uefi\n";

fn fat(dir: &Path) -> std::path::PathBuf {
    let fs = dir.join("fat.fs");
    let files = [FatFile { path: "/xtask/boot-report.txt".into(), data: REPORT }];
    write_image(&fs, 34 << 20, 0x1234_5678, "XTASK-ESP", &files).unwrap();
    fs
}

fn ext2(dir: &Path) -> std::path::PathBuf {
    let seed = dir.join("seed/xtask");
    std::fs::create_dir_all(&seed).unwrap();
    std::fs::write(seed.join("boot-report.txt"), REPORT).unwrap();
    let fs = dir.join("ext2.fs");
    let out = std::process::Command::new("mke2fs")
        .args(["-q", "-t", "ext2", "-d"])
        .arg(dir.join("seed"))
        .arg(&fs)
        .arg("8M")
        .output()
        .expect("mke2fs (e2fsprogs)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    fs
}

fn disk(dir: &Path, fs: &Path, table: PartitionTable) -> TestDisk {
    let path = match table {
        PartitionTable::None => fs.to_path_buf(),
        _ => {
            let out = dir.join(format!("{}-{table:?}.img", fs.file_stem().unwrap().to_str().unwrap()));
            partition::wrap(fs, &out, table, [7; 16], "data").unwrap();
            out
        }
    };
    TestDisk { name: "d".into(), path, partition: table }
}

#[test]
fn a_guest_file_reads_back_from_fat_and_ext2_bare_or_partitioned() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    for fs in [fat(dir.path()), ext2(dir.path())] {
        for table in [PartitionTable::None, PartitionTable::Mbr, PartitionTable::Gpt] {
            let d = disk(dir.path(), &fs, table);
            let got = read_file(&d, "/xtask/boot-report.txt", &scratch)
                .unwrap_or_else(|e| panic!("{} {table:?}: {e}", fs.display()));
            assert_eq!(got, REPORT, "{} {table:?}", fs.display());
        }
    }
}

#[test]
fn a_missing_file_on_fat_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = disk(dir.path(), &fat(dir.path()), PartitionTable::Gpt);
    let e = read_file(&d, "/xtask/missing.txt", dir.path()).unwrap_err();
    assert!(e.contains("disk d: no file /xtask/missing.txt"), "{e}");
}
