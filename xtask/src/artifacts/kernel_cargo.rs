//! The in-tree kernel (`kernel: cargo`): built with cargo for
//! `aarch64-unknown-none` with `-Zbuild-std`, then turned into the arm64
//! `Image` QEMU boots (its loadable segments laid out by physical address).
//!
//! The cache key covers the kernel's sources (its directory without any
//! `target/`), the features, the toolchain identity and this recipe. Cargo
//! works in a persistent target directory under the cache (incremental; an
//! explicit `--target`, never a global `build.target`); the entry keeps
//! `kernel.elf` (symbols, for addr2line) and `Image`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use object::read::elf::{ElfFile64, ProgramHeader};

use crate::config::{Arch, Profile};

use super::cache::{self, Cache, Job, KeyBuilder};
use super::linux::Kernel;
use super::toolchain::KernelToolchain;
use super::BuiltArtifact;

const RECIPE: &str = "kernel-cargo-1";
const TARGET: &str = "aarch64-unknown-none";
const RUSTFLAGS: &str = "-C force-frame-pointers=yes";
/// The arm64 Image header's magic (`ARM\x64` at offset 0x38).
const IMAGE_MAGIC_OFFSET: usize = 0x38;
const IMAGE_MAGIC: &[u8; 4] = b"ARM\x64";

/// Builds (or finds) the kernel of `profile` from the crate at `path`.
pub fn build(
    cache: &Cache,
    profile: &Profile,
    path: &Path,
    features: &[String],
    built: &mut Vec<BuiltArtifact>,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Kernel> {
    if profile.arch != Arch::Aarch64 {
        anyhow::bail!("profile `{}`: the in-tree kernel supports only aarch64", profile.name);
    }
    let manifest = path.join("Cargo.toml");
    if !manifest.is_file() {
        anyhow::bail!("profile `{}`: in-tree kernel not found ({} missing)", profile.name, manifest.display());
    }
    let tc = KernelToolchain::discover()?;
    let linker_version = super::cmd::version_line(&tc.linker.display().to_string())?;
    let key = sources_key(path)?
        .str("recipe", RECIPE)
        .str("target", TARGET)
        .str("rustflags", RUSTFLAGS)
        .str("features", &features.join(","))
        .str("rustc --version", &tc.version)
        .str("linker", &linker_version)
        .finish();
    let job = Job {
        kind: "kernel-cargo",
        key,
        label: format!(
            "in-tree kernel ({}; {})",
            if features.is_empty() { "no features".into() } else { features.join(",") },
            tc.origin
        ),
        estimate: Some("1 min cold, seconds when incremental".into()),
    };
    // One cargo target directory per checkout: cargo names path crates
    // without their location, so two worktrees sharing a cache would
    // overwrite each other's builds of the same crate.
    let checkout = KeyBuilder::new("kernel-target").str("manifest", &manifest.display().to_string()).finish();
    let target_dir = cache.root().join("kernel-target").join(checkout.short());
    super::prune::mark_used(&target_dir);
    let entry = cache.get_or_build(job, log, |dirs, _| {
        let elf = cargo_build(&tc, &manifest, features, &target_dir, &dirs.work)?;
        std::fs::copy(&elf, dirs.out.join("kernel.elf")).with_context(|| format!("cannot copy {}", elf.display()))?;
        let data = std::fs::read(&elf).with_context(|| format!("cannot read {}", elf.display()))?;
        let image = flat_image(&data).with_context(|| format!("{}: cannot make an arm64 Image", elf.display()))?;
        std::fs::write(dirs.out.join("Image"), image)?;
        Ok(())
    })?;
    let image = entry.dir.join("Image");
    built.push(BuiltArtifact {
        name: "kernel".into(),
        path: image.clone(),
        cached: entry.cached,
        seconds: entry.seconds,
    });
    Ok(Kernel { image, key: entry.key, debian: None })
}

/// A key over the kernel crate's files, `target/` directories left out.
pub(crate) fn sources_key(dir: &Path) -> anyhow::Result<KeyBuilder> {
    use std::os::unix::fs::PermissionsExt;
    let mut k = KeyBuilder::new("kernel-cargo");
    for (rel, meta) in cache::walk(dir)? {
        if rel.split('/').any(|part| part == "target") || !meta.is_file() {
            continue;
        }
        let digest = cache::file_sha256(&dir.join(&rel))?;
        k.str(&rel, &format!("{:o} {digest}", meta.permissions().mode() & 0o7777));
    }
    Ok(k)
}

/// Runs cargo; returns the path of the kernel ELF it reports.
fn cargo_build(
    tc: &KernelToolchain,
    manifest: &Path,
    features: &[String],
    target_dir: &Path,
    work: &Path,
) -> anyhow::Result<PathBuf> {
    let mut args: Vec<String> = [
        "build",
        "--release",
        "--target",
        TARGET,
        "-Zbuild-std=core,alloc,compiler_builtins",
        "-Zbuild-std-features=compiler-builtins-mem",
        "--message-format=json-render-diagnostics",
    ]
    .map(String::from)
    .to_vec();
    args.extend(["--manifest-path".into(), manifest.display().to_string()]);
    args.extend(["--target-dir".into(), target_dir.display().to_string()]);
    if !features.is_empty() {
        args.extend(["--features".into(), features.join(",")]);
    }
    let stderr_log = work.join("cargo.log");
    let out = duct::cmd(&tc.cargo, &args)
        .env("RUSTC", &tc.rustc)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", RUSTFLAGS)
        .env("CARGO_TARGET_AARCH64_UNKNOWN_NONE_LINKER", &tc.linker)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO_BUILD_TARGET")
        .stdout_capture()
        .stderr_path(&stderr_log)
        .unchecked()
        .run()
        .with_context(|| format!("cannot run {}", tc.cargo.display()))?;
    if !out.status.success() {
        let text = std::fs::read_to_string(&stderr_log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        anyhow::bail!("cargo build of the kernel failed ({}):\n{}", out.status, tail.join("\n"));
    }
    executable_from_messages(&out.stdout)
        .context("cargo reported no executable for the kernel (is it a [[bin]] crate?)")
}

/// The `executable` of the last `compiler-artifact` message with a bin
/// target, read with `cargo_metadata`'s typed messages.
fn executable_from_messages(stdout: &[u8]) -> Option<PathBuf> {
    use cargo_metadata::{Message, TargetKind};
    Message::parse_stream(stdout)
        .filter_map(Result::ok)
        .filter_map(|m| match m {
            Message::CompilerArtifact(a) if a.target.kind.contains(&TargetKind::Bin) => a.executable,
            _ => None,
        })
        .last()
        .map(PathBuf::from)
}

/// The flat image: every loadable segment's file bytes at its physical
/// address, relative to the lowest one. Checks the arm64 Image magic, so a
/// kernel without the header fails here rather than hanging QEMU.
fn flat_image(elf_data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let elf = ElfFile64::<object::Endianness>::parse(elf_data).context("not a 64-bit ELF file")?;
    let endian = elf.endian();
    let mut segments = Vec::new();
    for ph in elf.elf_program_headers() {
        if ph.p_type(endian) != object::elf::PT_LOAD || ph.p_filesz(endian) == 0 {
            continue;
        }
        let data = ph.data(endian, elf_data).map_err(|_| anyhow::format_err!("segment outside the file"))?;
        segments.push((ph.p_paddr(endian), data));
    }
    let base = segments.iter().map(|s| s.0).min().context("no loadable segments")?;
    let end = segments.iter().map(|s| s.0 + s.1.len() as u64).max().unwrap_or(base);
    if end - base > 256 << 20 {
        anyhow::bail!("loadable segments span {} MiB: a physical address is wrong", (end - base) >> 20);
    }
    let mut image = vec![0u8; (end - base) as usize];
    for (paddr, data) in segments {
        let at = (paddr - base) as usize;
        image[at..at + data.len()].copy_from_slice(data);
    }
    if image.get(IMAGE_MAGIC_OFFSET..IMAGE_MAGIC_OFFSET + 4) != Some(IMAGE_MAGIC) {
        anyhow::bail!("no arm64 Image header (magic ARM\\x64 at 0x38) at the lowest physical address {base:#x}");
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executable_is_taken_from_the_bin_artifact() {
        // As cargo 1.9x prints them (trimmed to the fields cargo_metadata reads).
        let artifact = |kind: &str, exe: &str| {
            format!(
                r#"{{"reason":"compiler-artifact","package_id":"path+file:///k#kernel@0.1.0","manifest_path":"/k/Cargo.toml","target":{{"kind":["{kind}"],"crate_types":["{kind}"],"name":"kernel","src_path":"/k/src/main.rs","edition":"2021","doc":true,"doctest":false,"test":true}},"profile":{{"opt_level":"3","debuginfo":0,"debug_assertions":false,"overflow_checks":false,"test":false}},"features":[],"filenames":["/t/x"],"executable":{exe},"fresh":false}}"#
            )
        };
        let messages = [
            artifact("lib", "null"),
            artifact("bin", r#""/t/release/kernel""#),
            r#"{"reason":"build-finished","success":true}"#.into(),
        ]
        .join("\n");
        assert_eq!(executable_from_messages(messages.as_bytes()), Some(PathBuf::from("/t/release/kernel")));
        assert_eq!(executable_from_messages(br#"{"reason":"build-finished","success":true}"#), None);
    }

    #[test]
    fn non_elf_is_rejected() {
        assert!(flat_image(b"not an elf").is_err());
    }
}
