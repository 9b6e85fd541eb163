//! FAT filesystem images, written and read with the `fatfs` crate (no
//! mtools, no loop mounts, no root).
//!
//! Reproducible: the volume id and label are given, and every directory
//! entry carries `SOURCE_DATE_EPOCH` (fatfs asks a time provider instead of
//! the clock), so the same files give the same bytes.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::Context;

/// 2023-11-14 22:13:20 UTC: `SOURCE_DATE_EPOCH` as a DOS date and time.
#[derive(Debug)]
struct SourceDate;

impl fatfs::TimeProvider for SourceDate {
    fn get_current_date(&self) -> fatfs::Date {
        fatfs::Date { year: 2023, month: 11, day: 14 }
    }
    fn get_current_date_time(&self) -> fatfs::DateTime {
        fatfs::DateTime { date: self.get_current_date(), time: fatfs::Time { hour: 22, min: 13, sec: 20, millis: 0 } }
    }
}

static SOURCE_DATE: SourceDate = SourceDate;

/// One file of a new image: its absolute path (`/EFI/BOOT/BOOTAA64.EFI`) and contents.
pub struct FatFile<'a> {
    pub path: String,
    pub data: &'a [u8],
}

/// Writes `out`: a fresh FAT volume of `size` bytes holding `files`
/// (parent directories are made as needed).
pub fn write_image(out: &Path, size: u64, volume_id: u32, label: &str, files: &[FatFile]) -> anyhow::Result<()> {
    let mut image = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(out)
        .with_context(|| format!("creating {}", out.display()))?;
    image.set_len(size)?;
    let mut name = [b' '; 11];
    for (slot, byte) in name.iter_mut().zip(label.bytes()) {
        *slot = byte.to_ascii_uppercase();
    }
    let options = fatfs::FormatVolumeOptions::new().volume_id(volume_id).volume_label(name);
    fatfs::format_volume(&mut image, options).context("formatting the FAT volume")?;
    let fs = fatfs::FileSystem::new(&mut image, fatfs::FsOptions::new().time_provider(&SOURCE_DATE))
        .context("opening the new FAT volume")?;
    for file in files {
        let path = file.path.trim_start_matches('/');
        let mut dir = fs.root_dir();
        let mut parts: Vec<&str> = path.split('/').collect();
        let leaf = parts.pop().unwrap_or_default();
        for part in parts {
            dir = match dir.open_dir(part) {
                Ok(d) => d,
                Err(_) => dir.create_dir(part).with_context(|| format!("creating /{part} in the FAT volume"))?,
            };
        }
        let mut f = dir.create_file(leaf).with_context(|| format!("creating {} in the FAT volume", file.path))?;
        f.truncate()?;
        f.write_all(file.data).with_context(|| format!("writing {} into the FAT volume", file.path))?;
    }
    fs.unmount().context("closing the FAT volume")?;
    Ok(())
}

/// Whether `boot_sector` (the first 512 bytes of a filesystem) is a FAT volume.
pub fn is_fat(boot_sector: &[u8]) -> bool {
    boot_sector.len() >= 512
        && boot_sector[510..512] == [0x55, 0xAA]
        && (boot_sector[54..59] == *b"FAT12" || boot_sector[54..59] == *b"FAT16" || boot_sector[82..87] == *b"FAT32")
}

/// The contents of `path` inside the FAT volume `image`.
pub fn read_file(image: &Path, path: &str) -> anyhow::Result<Vec<u8>> {
    let mut disk = OpenOptions::new().read(true).write(true).open(image)?;
    let fs = fatfs::FileSystem::new(&mut disk, fatfs::FsOptions::new().time_provider(&SOURCE_DATE))
        .with_context(|| format!("{} is not a readable FAT volume", image.display()))?;
    let mut file = fs.root_dir().open_file(path.trim_start_matches('/')).with_context(|| format!("no file {path}"))?;
    let mut data = Vec::new();
    file.read_to_end(&mut data)?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_files_read_back_and_the_bytes_are_reproducible() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            FatFile { path: "/EFI/BOOT/BOOTAA64.EFI".into(), data: b"MZ loader" },
            FatFile { path: "/loader/entries/xtask.conf".into(), data: b"title xtask\n" },
            FatFile { path: "/loader/loader.conf".into(), data: b"timeout 0\n" },
        ];
        let (a, b) = (dir.path().join("a.img"), dir.path().join("b.img"));
        write_image(&a, 34 << 20, 0x1234_5678, "esp", &files).unwrap();
        write_image(&b, 34 << 20, 0x1234_5678, "esp", &files).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "same inputs, same bytes");
        assert!(is_fat(&std::fs::read(&a).unwrap()[..512]));
        assert_eq!(read_file(&a, "/loader/entries/xtask.conf").unwrap(), b"title xtask\n");
        assert_eq!(read_file(&a, "EFI/BOOT/BOOTAA64.EFI").unwrap(), b"MZ loader");
        let err = read_file(&a, "/missing.txt").unwrap_err();
        assert!(format!("{err:#}").contains("no file /missing.txt"), "{err:#}");
    }

    #[test]
    fn not_fat_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.img");
        std::fs::write(&junk, vec![0u8; 1 << 20]).unwrap();
        assert!(!is_fat(&std::fs::read(&junk).unwrap()[..512]));
        assert!(read_file(&junk, "/x").is_err());
    }
}
