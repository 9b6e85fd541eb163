//! The EFI system partition of a `boot: uefi` profile: a FAT volume (no
//! partition table: the firmware and Linux both take a bare FAT disk) with
//!
//! ```text
//! /EFI/BOOT/BOOT{AA64,X64}.EFI   systemd-boot, from Debian's systemd-boot-efi (pinned)
//! /loader/loader.conf            default entry, timeout 0: no menu, no wait
//! /loader/entries/xtask.conf     kernel, initramfs and the profile's cmdline
//! /xtask/linux, /xtask/initrd    the kernel's EFI image and the initramfs
//! /xtask/                        where guests write what the host reads back
//! ```
//!
//! systemd-boot, because it is one small file that starts the kernel's own
//! EFI stub with the initramfs through `LINUX_EFI_INITRD_MEDIA_GUID` on both
//! arches, and waits for nothing with `timeout 0` (the UEFI shell's
//! `startup.nsh` costs a 5 s countdown). The loader comes from the guest
//! arch's package through the private apt state, so an x86_64 host builds an
//! aarch64 ESP. Reproducible: fixed volume id (from the key), label and
//! timestamps (`fat.rs`).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{Arch, Profile, Uefi};

use super::apt::Apt;
use super::cache::{Cache, Entry, Job, Key, KeyBuilder};
use super::cmd::Compression;
use super::fat::{self, FatFile};
use super::linux::DebianKernel;

const RECIPE: &str = "esp-1";
const LOADER_PACKAGE: &str = "systemd-boot-efi";
pub const LABEL: &str = "XTASK-ESP";
/// Room left for what guests write (boot reports) beyond the files.
const SLACK: u64 = 16 << 20;
/// Every ESP at least this big: fatfs then makes FAT16 (FAT32 from 512 MiB),
/// which both firmwares and Linux read; a fixed floor keeps the kind stable.
const MIN_SIZE: u64 = 64 << 20;

/// The firmware files exist (the package installs them; a profile may name others).
pub fn check_firmware(profile: &Profile, uefi: &Uefi) -> anyhow::Result<()> {
    let package = match profile.arch {
        Arch::Aarch64 => "qemu-efi-aarch64",
        Arch::X86_64 => "ovmf",
    };
    for (what, path) in [("code", &uefi.code), ("variable store", &uefi.vars)] {
        if !path.is_file() {
            anyhow::bail!(
                "profile `{}` ({}): the UEFI firmware {what} {} does not exist; install Debian's {package} \
                 (`apt-get install {package}`) or set uefi.code/uefi.vars",
                profile.name,
                profile.file.display(),
                path.display()
            );
        }
    }
    Ok(())
}

/// The file name the firmware looks for on removable media of `arch`.
pub fn default_loader_path(arch: Arch) -> &'static str {
    match arch {
        Arch::Aarch64 => "/EFI/BOOT/BOOTAA64.EFI",
        Arch::X86_64 => "/EFI/BOOT/BOOTX64.EFI",
    }
}

fn loader_in_package(arch: Arch) -> &'static str {
    match arch {
        Arch::Aarch64 => "./usr/lib/systemd/boot/efi/systemd-bootaa64.efi",
        Arch::X86_64 => "./usr/lib/systemd/boot/efi/systemd-bootx64.efi",
    }
}

/// `loader.conf` and the one boot entry (pure; the cmdline goes in as it is).
pub fn loader_config(cmdline: &str) -> (String, String) {
    let loader = "default xtask.conf\ntimeout 0\nconsole-mode keep\neditor no\n".to_string();
    let entry = format!("title xtask\nlinux /xtask/linux\ninitrd /xtask/initrd\noptions {cmdline}\n");
    (loader, entry)
}

/// A file pulled out of a `.deb` without unpacking the rest.
fn deb_member(deb: &Path, member: &str) -> anyhow::Result<Vec<u8>> {
    let tar = duct::cmd!("dpkg-deb", "--fsys-tarfile", deb).pipe(duct::cmd!("tar", "-xO", member));
    let out = tar.stdout_capture().stderr_capture().unchecked().run().context("running dpkg-deb | tar")?;
    if !out.status.success() || out.stdout.is_empty() {
        anyhow::bail!("{} has no {member}: {}", deb.display(), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(out.stdout)
}

/// The loader's `.deb` for the guest arch, downloaded once into the cache.
fn loader_deb(
    cache: &Cache,
    apt: &mut Apt,
    arch: Arch,
    version: &str,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<(Entry, PathBuf)> {
    let deb_arch = arch.debian();
    let key =
        KeyBuilder::new("deb").str("package", LOADER_PACKAGE).str("arch", deb_arch).str("version", version).finish();
    let job = Job { kind: "deb", key, label: format!("{LOADER_PACKAGE} {version} download"), estimate: None };
    let name = format!("{LOADER_PACKAGE}.deb");
    let entry = cache.get_or_build(job, log, |dirs, log| {
        let deb = apt.download(LOADER_PACKAGE, deb_arch, version, &dirs.work, log)?;
        std::fs::rename(&deb, dirs.out.join(&name))?;
        Ok(())
    })?;
    let path = entry.dir.join(&name);
    Ok((entry, path))
}

/// The image the loader starts: a PE/COFF file with the kernel's EFI stub.
/// aarch64: the `Image` QEMU boots directly (it carries the PE header).
/// x86_64: the bzImage (`vmlinuz`) of the package; direct boots use the ELF
/// inside it, which has no EFI stub.
pub fn efi_kernel(
    cache: &Cache,
    profile: &Profile,
    (image_key, image): (&Key, &Path),
    debian: Option<&DebianKernel>,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<(Key, PathBuf)> {
    match (profile.arch, debian) {
        (Arch::Aarch64, _) => {
            // The header alone tells; the kernel's key already covers the image.
            let mut head = vec![0u8; 4096];
            let mut f = std::fs::File::open(image).with_context(|| format!("reading {}", image.display()))?;
            let n = std::io::Read::read(&mut f, &mut head)?;
            check_pe(&head[..n], image)?;
            Ok((KeyBuilder::new("efi-kernel").key("image", image_key).finish(), image.to_path_buf()))
        }
        (Arch::X86_64, Some(d)) => {
            let key = KeyBuilder::new("efi-kernel").str("recipe", RECIPE).key("deb", &d.deb_key).finish();
            let job = Job {
                kind: "efi-kernel",
                key: key.clone(),
                label: format!("EFI kernel of {}", d.package),
                estimate: None,
            };
            let member = format!("./boot/vmlinuz-{}", d.release);
            let entry = cache.get_or_build(job, log, |dirs, _| {
                let data = deb_member(&d.deb, &member)?;
                check_pe(&data, Path::new(&member))?;
                std::fs::write(dirs.out.join("vmlinuz"), data)?;
                Ok(())
            })?;
            Ok((key, entry.dir.join("vmlinuz")))
        }
        (Arch::X86_64, None) => anyhow::bail!(
            "profile `{}`: boot: uefi on x86_64 needs a linux_debian kernel (its bzImage carries the EFI stub)",
            profile.name
        ),
    }
}

/// An EFI application starts with `MZ` and points at a `PE\0\0` header.
fn check_pe(data: &[u8], what: &Path) -> anyhow::Result<()> {
    if Compression::detect(data).is_some() {
        anyhow::bail!("{} is compressed; the loader needs the kernel's EFI image", what.display());
    }
    let pe = data.get(0x3c..0x40).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let ok = data.starts_with(b"MZ") && pe.and_then(|at| data.get(at..at + 4)).is_some_and(|m| m == b"PE\0\0");
    if !ok {
        anyhow::bail!("{} is not an EFI application (no MZ/PE header): the kernel has no EFI stub", what.display());
    }
    Ok(())
}

/// Builds (or finds) the ESP image; returns its entry and path.
#[allow(clippy::too_many_arguments)]
pub fn build(
    cache: &Cache,
    apt: &mut Apt,
    profile: &Profile,
    uefi: &Uefi,
    kernel: (&Key, &Path),
    initrd: (&Key, &Path),
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<(Entry, PathBuf)> {
    let (deb_entry, deb) = loader_deb(cache, apt, profile.arch, &uefi.loader_version, log)?;
    let key = KeyBuilder::new("esp")
        .str("recipe", RECIPE)
        .str("arch", profile.arch.name())
        .key("loader", &deb_entry.key)
        .key("kernel", kernel.0)
        .key("initrd", initrd.0)
        .str("cmdline", &profile.cmdline)
        .finish();
    let job = Job {
        kind: "esp",
        key: key.clone(),
        label: format!("EFI system partition ({})", profile.arch.name()),
        estimate: None,
    };
    let entry = cache.get_or_build(job, log, |dirs, _| {
        let loader = deb_member(&deb, loader_in_package(profile.arch))?;
        let linux = std::fs::read(kernel.1).with_context(|| format!("reading {}", kernel.1.display()))?;
        let initramfs = std::fs::read(initrd.1).with_context(|| format!("reading {}", initrd.1.display()))?;
        let (loader_conf, entry_conf) = loader_config(&profile.cmdline);
        let files = [
            FatFile { path: default_loader_path(profile.arch).into(), data: &loader },
            FatFile { path: "/loader/loader.conf".into(), data: loader_conf.as_bytes() },
            FatFile { path: "/loader/entries/xtask.conf".into(), data: entry_conf.as_bytes() },
            FatFile { path: "/xtask/linux".into(), data: &linux },
            FatFile { path: "/xtask/initrd".into(), data: &initramfs },
        ];
        let payload: u64 = files.iter().map(|f| f.data.len() as u64).sum();
        let size = (payload + payload / 8 + SLACK).max(MIN_SIZE).div_ceil(1 << 20) << 20;
        let id = u32::from_str_radix(&key.as_str()[..8], 16).unwrap_or(0x5854_4153);
        fat::write_image(&dirs.out.join("esp.img"), size, id, LABEL, &files)
    })?;
    let path = entry.dir.join("esp.img");
    Ok((entry, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_entry_carries_the_cmdline_and_waits_for_nothing() {
        let (loader, entry) = loader_config("console=ttyAMA0 panic=-1");
        assert!(loader.contains("timeout 0\n"), "{loader}");
        assert!(loader.starts_with("default xtask.conf\n"));
        assert_eq!(entry, "title xtask\nlinux /xtask/linux\ninitrd /xtask/initrd\noptions console=ttyAMA0 panic=-1\n");
    }

    #[test]
    fn a_kernel_without_an_efi_stub_is_refused() {
        let mut pe = vec![0u8; 256];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c] = 0x80;
        pe[0x80..0x84].copy_from_slice(b"PE\0\0");
        assert!(check_pe(&pe, Path::new("Image")).is_ok());
        let elf = b"\x7fELF\x02\x01\x01\0".repeat(32);
        let err = check_pe(&elf, Path::new("vmlinux")).unwrap_err().to_string();
        assert!(err.contains("vmlinux is not an EFI application"), "{err}");
        let gz = [&[0x1f, 0x8b, 0x08][..], &[0u8; 100]].concat();
        assert!(check_pe(&gz, Path::new("vmlinuz")).unwrap_err().to_string().contains("compressed"));
    }
}
