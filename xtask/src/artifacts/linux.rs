//! The kernel a profile boots.
//!
//! `linux_debian`: the exact package is downloaded with the private apt state
//! (`deb/<key>/`) and unpacked; the `linux/<key>/` entry keeps only the image
//! QEMU boots and the release name. For x86_64 that image is the ELF
//! `vmlinux` pulled out of the bzImage (it has a PVH entry note, and booting
//! it directly halves the boot time, RECIPES.md section 3); for aarch64 it is
//! the `Image` Debian ships as `vmlinuz` (uncompressed in 6.1; a gzip one is
//! unpacked). `prebuilt` and `command` kernels are used as they are.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use crate::config::{Arch, KernelSource, Profile, Workspace};

use super::apt::Apt;
use super::cache::{Cache, Entry, Job, Key, KeyBuilder, Scratch};
use super::cmd::{self, Compression};
use super::BuiltArtifact;

const RECIPE: &str = "linux-1";

/// `XEN_ELFNOTE_PHYS32_ENTRY`: the PVH entry point note.
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;

pub struct Kernel {
    /// What QEMU gets with `-kernel`.
    pub image: PathBuf,
    pub key: Key,
    /// Set for `linux_debian`: where modules come from.
    pub debian: Option<DebianKernel>,
}

pub struct DebianKernel {
    pub package: String,
    pub version: String,
    pub deb: PathBuf,
    pub deb_key: Key,
    /// `uname -r`, e.g. `6.1.0-56-arm64`.
    pub release: String,
    unpacked: Unpacked,
}

impl DebianKernel {
    /// The package unpacked into a scratch directory (once per run, on first use).
    pub fn unpacked_root(&mut self, log: &mut dyn FnMut(&str)) -> anyhow::Result<&Path> {
        self.unpacked.root(log)
    }
}

/// The `.deb`, unpacked lazily: a warm run never pays for it.
struct Unpacked {
    deb: PathBuf,
    tmp: PathBuf,
    dir: Option<Scratch>,
}

impl Unpacked {
    fn root(&mut self, log: &mut dyn FnMut(&str)) -> anyhow::Result<&Path> {
        if self.dir.is_none() {
            let scratch = Scratch::new(&self.tmp, "deb")?;
            log(&format!("unpacking {}", self.deb.file_name().unwrap_or_default().to_string_lossy()));
            cmd::run(
                duct::cmd("dpkg-deb", ["-x".as_ref(), self.deb.as_os_str(), scratch.path.as_os_str()]),
                "dpkg-deb -x",
            )?;
            self.dir = Some(scratch);
        }
        Ok(&self.dir.as_ref().expect("unpacked above").path)
    }
}

/// Resolves `profile.kernel` to an image, building or downloading what is missing.
pub fn kernel(
    cache: &Cache,
    apt: &mut Apt,
    ws: &Workspace,
    profile: &Profile,
    built: &mut Vec<BuiltArtifact>,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Kernel> {
    match &profile.kernel {
        KernelSource::LinuxDebian { package, version } => {
            debian(cache, apt, profile.arch, package, version, built, log)
        }
        KernelSource::Prebuilt { path } => {
            if !path.is_file() {
                anyhow::bail!("profile `{}`: prebuilt kernel {} does not exist", profile.name, path.display());
            }
            log(&format!("kernel: prebuilt {}", path.display()));
            let key = KeyBuilder::new("kernel-prebuilt").file("image", path)?.finish();
            built.push(BuiltArtifact { name: "kernel".into(), path: path.clone(), cached: true, seconds: 0.0 });
            Ok(Kernel { image: path.clone(), key, debian: None })
        }
        KernelSource::Command { run } => {
            let start = Instant::now();
            log(&format!("kernel: running `{run}`"));
            let path = run_command(ws, run).with_context(|| format!("profile `{}`: kernel command", profile.name))?;
            let key = KeyBuilder::new("kernel-command").file("image", &path)?.finish();
            let seconds = start.elapsed().as_secs_f64();
            built.push(BuiltArtifact { name: "kernel".into(), path: path.clone(), cached: false, seconds });
            Ok(Kernel { image: path, key, debian: None })
        }
        KernelSource::Cargo { path, .. } => {
            if !path.is_dir() {
                anyhow::bail!(
                    "profile `{}`: in-tree kernel not available yet ({} missing)",
                    profile.name,
                    path.display()
                );
            }
            anyhow::bail!(
                "profile `{}`: building the in-tree kernel ({}) is not implemented yet",
                profile.name,
                path.display()
            )
        }
    }
}

/// Runs `run` with `sh -c` in the workspace root; the last line it prints is the image path.
fn run_command(ws: &Workspace, run: &str) -> anyhow::Result<PathBuf> {
    let out = duct::cmd("sh", ["-c", run]).dir(&ws.root).stdout_capture().stderr_capture().unchecked().run()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        anyhow::bail!("`{run}` failed ({}):\n{}{}", out.status, stdout, String::from_utf8_lossy(&out.stderr));
    }
    let last =
        stdout.lines().map(str::trim).rfind(|l| !l.is_empty()).context("printed nothing; expected the image path")?;
    let path = ws.root.join(last);
    if !path.is_file() {
        anyhow::bail!("`{run}` printed `{last}`, which is not a file");
    }
    Ok(path)
}

fn debian(
    cache: &Cache,
    apt: &mut Apt,
    arch: Arch,
    package: &str,
    version: &str,
    built: &mut Vec<BuiltArtifact>,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Kernel> {
    let deb_arch = arch.debian();
    let deb_key = KeyBuilder::new("deb").str("package", package).str("arch", deb_arch).str("version", version).finish();
    let job = Job { kind: "deb", key: deb_key, label: format!("{package} {version} download"), estimate: None };
    let deb_name = format!("{package}.deb");
    let deb_entry = cache.get_or_build(job, log, |dirs, log| {
        let deb = apt.download(package, deb_arch, version, &dirs.work, log)?;
        std::fs::rename(&deb, dirs.out.join(&deb_name))?;
        Ok(())
    })?;
    let deb = deb_entry.dir.join(&deb_name);
    built.push(artifact("kernel-package", &deb_entry, deb.clone()));

    let mut unpacked = Unpacked { deb: deb.clone(), tmp: cache.root().join("tmp"), dir: None };
    let key =
        KeyBuilder::new("linux").str("recipe", RECIPE).key("deb", &deb_entry.key).str("arch", arch.name()).finish();
    let job = Job { kind: "linux", key, label: format!("kernel {package} {version}"), estimate: Some("10 s".into()) };
    let entry = cache.get_or_build(job, log, |dirs, log| extract_kernel(unpacked.root(log)?, arch, &dirs.out))?;
    let image = entry.dir.join(image_name(arch));
    built.push(artifact("kernel", &entry, image.clone()));
    let release = std::fs::read_to_string(entry.dir.join("release"))?.trim().to_string();
    Ok(Kernel {
        image,
        key: entry.key.clone(),
        debian: Some(DebianKernel {
            package: package.into(),
            version: version.into(),
            deb,
            deb_key: deb_entry.key,
            release,
            unpacked,
        }),
    })
}

fn artifact(name: &str, entry: &Entry, path: PathBuf) -> BuiltArtifact {
    BuiltArtifact { name: name.into(), path, cached: entry.cached, seconds: entry.seconds }
}

fn image_name(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "vmlinux",
        Arch::Aarch64 => "Image",
    }
}

/// Writes `<out>/{Image|vmlinux, release, config}` from an unpacked package.
fn extract_kernel(root: &Path, arch: Arch, out: &Path) -> anyhow::Result<()> {
    let boot = root.join("boot");
    let images: Vec<String> = std::fs::read_dir(&boot)
        .with_context(|| format!("{} missing: not a kernel image package?", boot.display()))?
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("vmlinuz-")).map(String::from))
        .collect();
    let [release] = images.as_slice() else {
        anyhow::bail!("expected one boot/vmlinuz-* in the package, found {}", images.len());
    };
    if !root.join("lib/modules").join(release).is_dir() {
        anyhow::bail!("the package has no lib/modules/{release}");
    }
    let data = std::fs::read(boot.join(format!("vmlinuz-{release}")))?;
    let image = match arch {
        Arch::Aarch64 => arm64_image(data)?,
        Arch::X86_64 => {
            let (compression, stream, size) = bzimage_payload(&data)?;
            let elf = compression.decompress(stream).context("decompressing the bzImage payload")?;
            if elf.len() as u32 != size {
                anyhow::bail!("bzImage payload decompressed to {} bytes, its trailer says {size}", elf.len());
            }
            if !has_pvh_note(&elf)? {
                anyhow::bail!("the vmlinux inside the bzImage has no PVH entry note (CONFIG_PVH off?)");
            }
            elf
        }
    };
    std::fs::write(out.join(image_name(arch)), image)?;
    std::fs::write(out.join("release"), format!("{release}\n"))?;
    let config = boot.join(format!("config-{release}"));
    if config.is_file() {
        std::fs::copy(config, out.join("config"))?;
    }
    Ok(())
}

/// An arm64 `Image` (magic `ARM\x64` at 0x38), unpacking a gzip'ed `vmlinuz`.
pub fn arm64_image(data: Vec<u8>) -> anyhow::Result<Vec<u8>> {
    let data = match Compression::detect(&data) {
        Some(c) => c.decompress(&data)?,
        None => data,
    };
    if data.get(0x38..0x3c) != Some(b"ARM\x64") {
        anyhow::bail!("vmlinuz is not an arm64 Image (no ARM\\x64 magic at 0x38)");
    }
    Ok(data)
}

/// Finds the compressed vmlinux inside an x86 bzImage from the boot protocol
/// header (`payload_offset`/`payload_length`, protocol 2.08+). Returns the
/// format, the compressed stream and the uncompressed size the kernel build
/// appends as the payload's last 4 bytes (for gzip it is the stream's own
/// ISIZE trailer).
pub fn bzimage_payload(bz: &[u8]) -> anyhow::Result<(Compression, &[u8], u32)> {
    let u16_at = |o: usize| bz.get(o..o + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |o: usize| bz.get(o..o + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    if bz.get(0x202..0x206) != Some(b"HdrS") {
        anyhow::bail!("not a bzImage (no HdrS boot header)");
    }
    let protocol = u16_at(0x206).context("truncated header")?;
    if protocol < 0x208 {
        anyhow::bail!("boot protocol {protocol:#x} has no payload fields (needs 2.08+)");
    }
    let setup_sects = match bz[0x1f1] {
        0 => 4,
        n => n as usize,
    };
    let start = (setup_sects + 1) * 512 + u32_at(0x248).context("truncated header")? as usize;
    let len = u32_at(0x24c).context("truncated header")? as usize;
    let payload = bz.get(start..start + len).context("bzImage payload lies outside the file")?;
    let compression = Compression::detect(payload).with_context(|| {
        format!("unknown bzImage payload compression (magic {:02x?})", &payload[..payload.len().min(6)])
    })?;
    if payload.len() < 8 {
        anyhow::bail!("bzImage payload is too short");
    }
    let (stream, trailer) = payload.split_at(payload.len() - 4);
    let size = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let stream = if compression == Compression::Gzip { payload } else { stream };
    Ok((compression, stream, size))
}

/// Whether an x86_64 ELF carries the Xen PVH entry note QEMU boots directly.
pub fn has_pvh_note(elf: &[u8]) -> anyhow::Result<bool> {
    use object::read::elf::{ElfFile64, FileHeader, ProgramHeader};
    let file = ElfFile64::<object::Endianness>::parse(elf).context("not a 64-bit ELF")?;
    let endian = file.endian();
    if file.elf_header().e_machine(endian) != object::elf::EM_X86_64 {
        anyhow::bail!("vmlinux is not an x86_64 ELF");
    }
    for ph in file.elf_program_headers() {
        if let Some(mut notes) = ph.notes(endian, elf)? {
            while let Some(note) = notes.next()? {
                if note.name() == b"Xen" && note.n_type(endian) == XEN_ELFNOTE_PHYS32_ENTRY {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bzimage_payload_from_header_fields() {
        let mut bz = vec![0u8; 0x1000];
        bz[0x1f1] = 3; // protected-mode code at 4 * 512
        bz[0x202..0x206].copy_from_slice(b"HdrS");
        bz[0x206..0x208].copy_from_slice(&0x20fu16.to_le_bytes());
        let payload: Vec<u8> = [Compression::Xz.magic(), b"stream", &1234u32.to_le_bytes()].concat();
        bz[0x248..0x24c].copy_from_slice(&0x100u32.to_le_bytes());
        bz[0x24c..0x250].copy_from_slice(&(payload.len() as u32).to_le_bytes());
        bz[0x900..0x900 + payload.len()].copy_from_slice(&payload);
        let (c, stream, size) = bzimage_payload(&bz).unwrap();
        assert_eq!(c, Compression::Xz);
        assert_eq!(stream, [Compression::Xz.magic(), b"stream"].concat());
        assert_eq!(size, 1234);
        bz[0x202] = b'X';
        assert!(bzimage_payload(&bz).is_err());
    }

    #[test]
    fn arm64_image_needs_its_magic() {
        let mut image = vec![0u8; 0x40];
        assert!(arm64_image(image.clone()).is_err());
        image[0x38..0x3c].copy_from_slice(b"ARM\x64");
        assert_eq!(arm64_image(image.clone()).unwrap(), image);
    }
}
