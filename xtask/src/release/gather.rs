//! Gathers the facts of a release from the work tree and the host: git,
//! lock files, Debian package versions and digests, tool versions, resolved
//! profiles. Everything here runs commands or reads files; what it returns
//! is plain data (`info.rs`).

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use super::info::{Crate, DebPackage, LockFile, ProfileRecord, Source, ToolVersion};
use super::sums::file_sha256;
use super::BadInput;
use crate::artifacts::{self, cmd, tools, Artifacts};
use crate::config::{KernelSource, Profile};

/// The commit, whether the tree is dirty, and the commit time.
pub fn source(root: &Path) -> Result<Source, BadInput> {
    let git = |args: &[&str]| -> Result<String, BadInput> {
        duct::cmd("git", args).dir(root).stderr_capture().read().map_err(|e| {
            BadInput(format!("{}: not a git work tree with a commit (`git {}`: {e})", root.display(), args.join(" ")))
        })
    };
    let commit = git(&["rev-parse", "HEAD"])?.trim().to_string();
    let status = git(&["status", "--porcelain", "--untracked-files=normal"])?;
    let epoch = git(&["log", "-1", "--format=%ct", "HEAD"])?;
    let source_date_epoch = epoch
        .trim()
        .parse()
        .map_err(|_| BadInput(format!("git log: commit time `{}` is not a number", epoch.trim())))?;
    Ok(Source {
        commit,
        dirty: !status.trim().is_empty(),
        source_date_epoch,
        image_epoch: artifacts::SOURCE_DATE_EPOCH,
    })
}

/// The files that make the work tree dirty (for the refusal message).
pub fn dirty_files(root: &Path) -> Vec<String> {
    duct::cmd!("git", "status", "--porcelain", "--untracked-files=normal")
        .dir(root)
        .read()
        .unwrap_or_default()
        .lines()
        .take(10)
        .map(|l| l.to_string())
        .collect()
}

#[derive(Deserialize)]
struct RawLock {
    #[serde(default)]
    package: Vec<Crate>,
}

/// Reads a `Cargo.lock` (any version 3 or 4 lock file).
pub fn lock_file(root: &Path, rel: &str) -> anyhow::Result<LockFile> {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let raw: RawLock = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut packages = raw.package;
    packages.sort();
    Ok(LockFile { path: rel.into(), sha256: super::sums::bytes_sha256(text.as_bytes()), packages })
}

/// The Debian inputs of the profiles: kernel packages (with the `.deb`'s
/// digest from the cache), the BusyBox source (its pinned `.dsc` digest), and
/// the installed toolchain packages (digests from the apt index when it has
/// them).
pub fn debian(root: &Path, built: &[(Profile, Artifacts)]) -> anyhow::Result<Vec<DebPackage>> {
    let mut out = Vec::new();
    for (p, a) in built {
        if let KernelSource::LinuxDebian { package, version } = &p.kernel {
            let deb = a.built.iter().find(|b| b.name == "kernel-package").map(|b| b.path.clone());
            let sha256 = deb.map(|d| file_sha256(&d)).transpose()?;
            if !out.iter().any(|d: &DebPackage| &d.name == package && &d.version == version) {
                out.push(DebPackage {
                    name: package.clone(),
                    version: version.clone(),
                    arch: p.arch.debian().into(),
                    role: format!("kernel and modules of {}", p.name),
                    sha256,
                });
            }
        }
    }
    let pin = artifacts::busybox::Pin::load(&root.join("rootfs/busybox.yaml"))?;
    out.push(DebPackage {
        name: pin.package.clone(),
        version: pin.version.clone(),
        arch: "source".into(),
        role: "BusyBox source (sha256 of the .dsc, which pins the other files)".into(),
        sha256: Some(pin.dsc_sha256.to_ascii_lowercase()),
    });
    let wanted = [
        "qemu-system-arm",
        "qemu-system-x86",
        "qemu-utils",
        "e2fsprogs",
        "musl-tools",
        "musl-dev",
        "gcc-aarch64-linux-gnu",
        "gcc",
        "rustc-web",
        "cargo-web",
        "rust-web-src",
        "lld",
        "dpkg-dev",
    ];
    let shown = duct::cmd(
        "dpkg-query",
        ["-W", "-f", "${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n"].iter().copied().chain(wanted),
    )
    .stderr_null()
    .unchecked()
    .read()
    .unwrap_or_default();
    let mut installed: Vec<(String, String, String)> = shown
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 4 && f[3].starts_with("ii")).then(|| (f[0].to_string(), f[1].to_string(), f[2].to_string()))
        })
        .collect();
    installed.sort();
    let digests = apt_digests(&installed);
    for (name, version, arch) in installed {
        let sha256 = digests.iter().find(|d| d.0 == name && d.1 == version && d.2 == arch).map(|d| d.3.clone());
        out.push(DebPackage { name, version, arch, role: "toolchain (installed on the build host)".into(), sha256 });
    }
    Ok(out)
}

/// `(package, version, arch, sha256)` from `apt-cache show` for what the
/// local index knows.
fn apt_digests(pkgs: &[(String, String, String)]) -> Vec<(String, String, String, String)> {
    let args: Vec<String> =
        std::iter::once("show".to_string()).chain(pkgs.iter().map(|(n, v, a)| format!("{n}:{a}={v}"))).collect();
    let text = duct::cmd("apt-cache", &args).stderr_null().unchecked().read().unwrap_or_default();
    let mut out = Vec::new();
    for stanza in text.split("\n\n") {
        let field = |name: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": ")).map(|v| v.trim().to_string()))
        };
        if let (Some(p), Some(v), Some(a), Some(s)) =
            (field("Package"), field("Version"), field("Architecture"), field("SHA256"))
        {
            out.push((p, v, a, s));
        }
    }
    out
}

/// Versions of the tools that built the images.
pub fn tool_versions(profiles: &[Profile]) -> Vec<ToolVersion> {
    let mut out = Vec::new();
    let mut push = |name: &str, version: Option<String>| {
        if let Some(v) = version {
            if !out.iter().any(|t: &ToolVersion| t.name == name) {
                out.push(ToolVersion { name: name.into(), version: v });
            }
        }
    };
    push("xtask", Some(env!("CARGO_PKG_VERSION").into()));
    push("rustc (host)", cmd::version_line("rustc").ok());
    if profiles.iter().any(|p| matches!(p.kernel, KernelSource::Cargo { .. })) {
        push("rustc (kernel)", artifacts::toolchain::KernelToolchain::discover().ok().map(|t| t.version));
    }
    for p in profiles {
        push(&p.qemu.binary, cmd::version_line(&p.qemu.binary).ok());
        let cc = match p.arch {
            crate::config::Arch::X86_64 => "musl-gcc",
            crate::config::Arch::Aarch64 => "aarch64-linux-musl-gcc",
        };
        push(cc, cmd::version_line(cc).ok());
    }
    let mke2fs = tools::find(&tools::MKE2FS).map(|p| {
        duct::cmd(p, ["-V"])
            .stderr_to_stdout()
            .unchecked()
            .read()
            .unwrap_or_default()
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    });
    push("mke2fs", mke2fs.filter(|v| !v.is_empty()));
    out
}

/// The resolved profile and the files of its `inherits` chain.
pub fn profile_record(root: &Path, p: &Profile) -> anyhow::Result<ProfileRecord> {
    let mut files = Vec::new();
    for name in &p.chain {
        let path = root.join("profiles").join(format!("{name}.yaml"));
        files.push((super::contract::profile_file(name), file_sha256(&path)?));
    }
    Ok(ProfileRecord { name: p.name.clone(), files, resolved: resolved_profile(root, p) })
}

/// The profile as JSON with paths relative to the workspace: the same in any checkout.
pub fn resolved_profile(root: &Path, p: &Profile) -> serde_json::Value {
    let mut v = serde_json::to_value(p).expect("profiles serialise");
    relativise(&mut v, &format!("{}/", root.display()));
    v
}

fn relativise(v: &mut serde_json::Value, prefix: &str) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(rest) = s.strip_prefix(prefix) {
                *s = rest.to_string();
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| relativise(x, prefix)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| relativise(x, prefix)),
        _ => {}
    }
}
