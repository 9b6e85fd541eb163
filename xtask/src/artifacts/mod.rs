//! Artifact builders: everything a profile boots, built reproducibly into the
//! content-addressed cache (`cache.rs` states the invariants).
//!
//! `build_all` is the entry point: the kernel (a pinned Debian package, the
//! in-tree cargo kernel, a prebuilt image or a command's output), a static musl BusyBox from the
//! pinned Debian source, the test programs, the kernel modules, the
//! initramfs, and the base disk images. Nothing is rebuilt whose inputs did
//! not change; a warm run only computes keys.
//!
//! Inputs in the repository: `rootfs/busybox.yaml` (source pin),
//! `rootfs/busybox.config` (config fragment), `rootfs/init`,
//! `rootfs/skeleton/`, `rootfs/tests/*.c`.

pub mod apt;
pub mod busybox;
pub mod cache;
pub mod cmd;
pub mod disk;
pub mod esp;
pub mod fat;
pub mod initramfs;
pub mod kernel_cargo;
pub mod linux;
pub mod modules;
pub mod partition;
pub mod prune;
pub mod testprogs;
pub mod toolchain;
pub mod tools;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::config;
use crate::project;

/// The one timestamp every artifact carries (mtimes, build dates):
/// 2023-11-14 22:13:20 UTC.
pub const SOURCE_DATE_EPOCH: u64 = 1_700_000_000;

/// Everything QEMU needs to boot a profile.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// Image QEMU gets with `-kernel`.
    pub kernel: PathBuf,
    /// newc cpio (uncompressed) for `-initrd`.
    pub initrd: Option<PathBuf>,
    /// Base images, never written by a test (the runner copies them). With
    /// `boot: uefi` the last one is the EFI system partition.
    pub disks: Vec<DiskImage>,
    /// sha256 hex over every artifact's cache key: identifies the whole set.
    pub key: String,
    /// For the report, in build order.
    pub built: Vec<BuiltArtifact>,
}

#[derive(Debug, Clone)]
pub struct DiskImage {
    pub name: String,
    pub path: PathBuf,
    /// `None` for the EFI system partition (FAT).
    pub filesystem: Option<config::Filesystem>,
    pub partition: config::PartitionTable,
}

#[derive(Debug, Clone)]
pub struct BuiltArtifact {
    pub name: String,
    pub path: PathBuf,
    /// Found in the cache (nothing was built).
    pub cached: bool,
    pub seconds: f64,
}

impl BuiltArtifact {
    fn from_entry(name: &str, entry: &cache::Entry, path: PathBuf) -> BuiltArtifact {
        BuiltArtifact { name: name.into(), path, cached: entry.cached, seconds: entry.seconds }
    }
}

/// Builds (or finds in the cache) every artifact `profile` boots with.
/// `log` gets one line per notable action.
pub fn build_all(
    ws: &config::Workspace,
    profile: &config::Profile,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Artifacts> {
    tools::ensure(&tools::for_build(profile), log)?;
    if let Some(uefi) = profile.uefi() {
        // Before anything is built: a run that cannot boot builds nothing.
        esp::check_firmware(profile, uefi)?;
    }
    let cache = cache::Cache::new(project::cache_dir(&ws.root));
    let mut apt = apt::Apt::new(cache.root());
    let mut built = Vec::new();
    let mut keys: Vec<(&str, cache::Key)> = Vec::new();

    let mut kernel = match &profile.kernel {
        config::KernelSource::Cargo { path, features } => {
            kernel_cargo::build(&cache, profile, path, features, &mut built, log)?
        }
        _ => linux::kernel(&cache, &mut apt, ws, profile, &mut built, log)?,
    };
    keys.push(("kernel", kernel.key.clone()));
    // The loader starts the kernel's EFI image, which for x86_64 is not the
    // image of a direct boot: take it while the package is at hand.
    let efi_kernel = match profile.uefi() {
        Some(_) => Some(esp::efi_kernel(&cache, profile, (&kernel.key, &kernel.image), kernel.debian.as_ref(), log)?),
        None => None,
    };
    let modules = match (&mut kernel.debian, profile.rootfs.modules.is_empty()) {
        (_, true) => None,
        (Some(debian), false) => Some(modules::build(&cache, profile, debian, log)?),
        (None, false) => anyhow::bail!(
            "profile `{}`: rootfs.modules needs a linux_debian kernel (the modules come from its package)",
            profile.name
        ),
    };
    if let Some(m) = &modules {
        built.push(BuiltArtifact::from_entry("modules", m, m.dir.join("tree")));
    }
    // The unpacked kernel package is big: let it go before the next builds.
    drop(kernel.debian.take());

    let tc = toolchain::Toolchain::musl(profile.arch)?;
    let pin = busybox::Pin::load(&ws.root.join("rootfs/busybox.yaml"))?;
    let source = busybox::fetch_source(&cache, &mut apt, &pin, log)?;
    built.push(BuiltArtifact::from_entry("busybox-source", &source, source.dir.join("tree")));
    let bb = busybox::build(&cache, ws, profile, &tc, &source, &pin, log)?;
    built.push(BuiltArtifact::from_entry("busybox", &bb, bb.dir.join("busybox")));
    let progs = match profile.rootfs.test_programs {
        true => Some(testprogs::build(&cache, ws, &tc, log)?),
        false => None,
    };
    if let Some(p) = &progs {
        built.push(BuiltArtifact::from_entry("test-programs", p, p.dir.join("usr/bin")));
    }

    let parts = initramfs::Parts { busybox: &bb, modules: modules.as_ref(), testprogs: progs.as_ref() };
    let initrd = initramfs::build(&cache, ws, profile, &parts, log)?;
    let initrd_path = initrd.dir.join("initramfs.cpio");
    built.push(BuiltArtifact::from_entry("initramfs", &initrd, initrd_path.clone()));
    keys.push(("initramfs", initrd.key.clone()));

    let mut disks = Vec::new();
    for d in &profile.disks {
        let (entry, path) = disk::build(&cache, d, log)?;
        built.push(BuiltArtifact::from_entry(&format!("disk:{}", d.name), &entry, path.clone()));
        keys.push(("disk", entry.key.clone()));
        disks.push(DiskImage { name: d.name.clone(), path, filesystem: Some(d.filesystem), partition: d.partition });
    }
    if let (Some(uefi), Some((kernel_key, kernel_path))) = (profile.uefi(), &efi_kernel) {
        let (entry, path) =
            esp::build(&cache, &mut apt, profile, uefi, (kernel_key, kernel_path), (&initrd.key, &initrd_path), log)?;
        built.push(BuiltArtifact::from_entry("esp", &entry, path.clone()));
        keys.push(("esp", entry.key.clone()));
        disks.push(DiskImage {
            name: config::ESP_DISK.into(),
            path,
            filesystem: None,
            partition: config::PartitionTable::None,
        });
    }

    Ok(Artifacts { kernel: kernel.image, initrd: Some(initrd_path), disks, key: set_key(&keys), built })
}

/// The key of a whole artifact set: its members' keys, in order.
fn set_key(keys: &[(&str, cache::Key)]) -> String {
    let mut h = Sha256::new();
    for (name, key) in keys {
        h.update(format!("{name}={key}\n"));
    }
    cache::hex(&h.finalize())
}
