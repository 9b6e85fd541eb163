//! Tables written by util-linux sfdisk and gdisk's sgdisk, compared with
//! what `sfdisk --json` reads back. Skipped (saying so) when the tools are
//! not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kernel_partition::{read_table, Guid, PartitionType, TableKind};

fn tool(name: &str) -> Option<PathBuf> {
    let dirs = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    dirs.into_iter().chain(["/sbin", "/usr/sbin"].map(PathBuf::from)).map(|d| d.join(name)).find(|p| p.is_file())
}

fn blank_image(dir: &Path, mib: u64) -> PathBuf {
    let path = dir.join("disk.img");
    std::fs::File::create(&path).unwrap().set_len(mib << 20).unwrap();
    path
}

/// (start, size, type) per partition, in sfdisk's order, by `sfdisk --json`.
fn sfdisk_view(sfdisk: &Path, img: &Path) -> (String, Vec<(u64, u64, String)>) {
    let out = Command::new(sfdisk).arg("--json").arg(img).output().unwrap();
    assert!(out.status.success(), "sfdisk --json: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let table = &v["partitiontable"];
    let parts = table["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["start"].as_u64().unwrap(), p["size"].as_u64().unwrap(), p["type"].as_str().unwrap().to_string()))
        .collect();
    (table["label"].as_str().unwrap().to_string(), parts)
}

fn ours(img: &Path) -> kernel_partition::Table {
    let bytes = std::fs::read(img).unwrap();
    let mut src = bytes.as_slice();
    read_table(&mut src).unwrap()
}

fn run_sfdisk(sfdisk: &Path, img: &Path, script: &str) {
    use std::io::Write;
    let mut child = Command::new(sfdisk)
        .args(["--quiet", "--no-reread", "--no-tell-kernel"])
        .arg(img)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "sfdisk: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn sfdisk_dos_with_logical_partitions() {
    let Some(sfdisk) = tool("sfdisk") else {
        eprintln!("skipped: sfdisk (util-linux fdisk) not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let img = blank_image(dir.path(), 64);
    run_sfdisk(
        &sfdisk,
        &img,
        "label: dos\n\
         size=8MiB, type=83, bootable\n\
         size=4MiB, type=c\n\
         type=5\n\
         size=10MiB, type=83\n\
         size=6MiB, type=82\n\
         type=83\n",
    );
    let (label, expected) = sfdisk_view(&sfdisk, &img);
    assert_eq!(label, "dos");
    let t = ours(&img);
    assert_eq!(t.kind, TableKind::Mbr);
    let got: Vec<(u64, u64, String)> = t
        .partitions
        .iter()
        .map(|p| {
            let PartitionType::Mbr(kind) = p.kind else { panic!("not an MBR type") };
            (p.start_lba, p.sectors, format!("{kind:x}"))
        })
        .collect();
    assert_eq!(got, expected);
    let numbers: Vec<u32> = t.partitions.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [1, 2, 3, 5, 6, 7]);
    assert!(t.partitions[0].bootable);
}

#[test]
fn sgdisk_gpt_matches_sfdisk() {
    let (Some(sgdisk), Some(sfdisk)) = (tool("sgdisk"), tool("sfdisk")) else {
        eprintln!("skipped: sgdisk (gdisk) or sfdisk (fdisk) not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let img = blank_image(dir.path(), 64);
    let out = Command::new(&sgdisk)
        .args(["-n", "1:2048:+16M", "-t", "1:ef00", "-c", "1:EFI system"])
        .args(["-n", "2:0:+20M", "-t", "2:8300", "-c", "2:root"])
        .args(["-n", "4:0:0", "-t", "4:8200", "-A", "4:set:2"])
        .arg(&img)
        .output()
        .unwrap();
    assert!(out.status.success(), "sgdisk: {}", String::from_utf8_lossy(&out.stderr));
    let (label, expected) = sfdisk_view(&sfdisk, &img);
    assert_eq!(label, "gpt");
    let t = ours(&img);
    assert_eq!(t.kind, TableKind::Gpt);
    assert!(!t.used_backup);
    let got: Vec<(u64, u64, String)> = t
        .partitions
        .iter()
        .map(|p| {
            let PartitionType::Gpt(kind) = p.kind else { panic!("not a GPT type") };
            (p.start_lba, p.sectors, kind.to_string())
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(t.partitions.iter().map(|p| p.number).collect::<Vec<_>>(), [1, 2, 4]);
    assert_eq!(t.partitions[0].name, "EFI system");
    assert_eq!(t.partitions[1].kind, PartitionType::Gpt(Guid::LINUX_FS));
    assert!(t.partitions[2].bootable);

    // Zap the primary header: the backup still describes the same disk.
    let mut bytes = std::fs::read(&img).unwrap();
    bytes[512..1024].fill(0);
    let mut src = bytes.as_slice();
    let backup = read_table(&mut src).unwrap();
    assert!(backup.used_backup);
    assert_eq!(backup.partitions, t.partitions);
}
