//! Writing a bundle directory: images, run scripts, contract, runbook, SBOM,
//! provenance, `SHA256SUMS`, then the signature (or `UNSIGNED`). The bundle
//! is written into a sibling staging directory and renamed into place, so a
//! failed release leaves nothing half-written.
//!
//! Layout (every file but the signature files is listed in `SHA256SUMS`):
//!
//! ```text
//! images/<profile>/{<kernel>, initramfs.cpio, <disk>.img}
//! run-<profile>.sh          stock QEMU, bundle-relative paths
//! contract/contract.json    the acceptance contract
//! contract/scenarios/*.yaml contract/profiles/*.yaml
//! BUNDLE-ID  RUNBOOK.md  sbom.cdx.json  provenance.intoto.json
//! SHA256SUMS                the root of trust
//! SHA256SUMS.minisig  provenance.intoto.json.minisig  signing-key.pub   (signed)
//! UNSIGNED                                                             (unsigned)
//! ```

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::info::{ImageFile, ReleaseInfo};
use super::sign::Signer;
use super::sums::{self, file_sha256, Sums};
use super::{contract, provenance, results, runbook, sbom, BadInput};
use crate::artifacts::{Artifacts, DiskImage};
use crate::config::{Profile, Scenario};

pub const SUMS: &str = "SHA256SUMS";
pub const SUMS_SIG: &str = "SHA256SUMS.minisig";
pub const STATEMENT_SIG: &str = "provenance.intoto.json.minisig";
pub const SIGNING_KEY: &str = "signing-key.pub";
pub const UNSIGNED: &str = "UNSIGNED";
pub const RUNBOOK: &str = "RUNBOOK.md";

/// Files outside `SHA256SUMS`: the sums themselves and what signs them.
pub fn is_signature_file(rel: &str) -> bool {
    [SUMS, SUMS_SIG, STATEMENT_SIG, SIGNING_KEY, UNSIGNED].contains(&rel)
}

/// A profile's images as they sit in the bundle (bundle-relative paths).
pub fn bundle_images(profile: &Profile, built: &Artifacts) -> Artifacts {
    let dir = PathBuf::from("images").join(&profile.name);
    let kernel_name = built.kernel.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "kernel".into());
    Artifacts {
        kernel: dir.join(kernel_name),
        initrd: built.initrd.as_ref().map(|_| dir.join("initramfs.cpio")),
        disks: built
            .disks
            .iter()
            .map(|d| DiskImage { path: dir.join(format!("{}.img", d.name)), ..d.clone() })
            .collect(),
        key: built.key.clone(),
        built: Vec::new(),
    }
}

/// Everything a bundle is written from.
pub struct Inputs<'a> {
    pub root: &'a Path,
    pub profiles: &'a [(Profile, Artifacts)],
    pub scenarios: &'a [Scenario],
    pub info: ReleaseInfo,
}

/// Copies the images in and fills `info.images`; returns each profile's bundle-relative images.
fn copy_images(stage: &Path, inputs: &mut Inputs) -> anyhow::Result<Vec<Artifacts>> {
    let mut out = Vec::new();
    for (p, built) in inputs.profiles {
        let rel = bundle_images(p, built);
        let mut pairs: Vec<(String, &Path, &Path)> = vec![("kernel".into(), &built.kernel, &rel.kernel)];
        if let (Some(a), Some(b)) = (&built.initrd, &rel.initrd) {
            pairs.push(("initrd".into(), a, b));
        }
        for (a, b) in built.disks.iter().zip(&rel.disks) {
            pairs.push((format!("disk:{}", a.name), &a.path, &b.path));
        }
        for (role, from, to) in pairs {
            let dest = stage.join(to);
            std::fs::create_dir_all(dest.parent().expect("images/<profile>/"))?;
            std::fs::copy(from, &dest).with_context(|| format!("copying {} into the bundle", from.display()))?;
            std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644))?;
            inputs.info.images.push(ImageFile {
                profile: p.name.clone(),
                role,
                path: to.display().to_string(),
                sha256: file_sha256(&dest)?,
                size: std::fs::metadata(&dest)?.len(),
            });
        }
        out.push(rel);
    }
    inputs.info.images.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn write(stage: &Path, rel: &str, text: &str, mode: u32) -> anyhow::Result<()> {
    let path = stage.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

/// Writes the unsigned bundle into `out` (which must not exist).
pub fn write_bundle(out: &Path, mut inputs: Inputs) -> anyhow::Result<ReleaseInfo> {
    if out.exists() {
        return Err(BadInput(format!("{}: already exists; pick a new --out directory", out.display())).into());
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let stage = tempfile::Builder::new().prefix(".xtask-release-").tempdir_in(parent)?;
    let s = stage.path();
    std::fs::set_permissions(s, std::fs::Permissions::from_mode(0o755))?;

    let images = copy_images(s, &mut inputs)?;
    for ((p, _), rel) in inputs.profiles.iter().zip(&images) {
        write(s, &format!("run-{}.sh", p.name), &runbook::run_script(p, rel), 0o755)?;
        for name in &p.chain {
            let from = inputs.root.join("profiles").join(format!("{name}.yaml"));
            let text = std::fs::read_to_string(&from).with_context(|| format!("reading {}", from.display()))?;
            write(s, &contract::profile_file(name), &text, 0o644)?;
        }
    }
    for sc in inputs.scenarios {
        let text = std::fs::read_to_string(&sc.file).with_context(|| format!("reading {}", sc.file.display()))?;
        write(s, &contract::scenario_file(&sc.phase), &text, 0o644)?;
    }
    let per_profile: Vec<(&Profile, BTreeMap<String, String>)> = inputs
        .profiles
        .iter()
        .map(|(p, _)| {
            let imgs = inputs.info.images.iter().filter(|i| i.profile == p.name);
            (p, imgs.map(|i| (i.path.clone(), i.sha256.clone())).collect())
        })
        .collect();
    let c = contract::build(&per_profile, inputs.scenarios);
    write(s, contract::FILE, &contract::render(&c), 0o644)?;
    write(s, results::BUNDLE_ID_FILE, &format!("{}\n", c.bundle_id), 0o644)?;
    let profiles: Vec<Profile> = inputs.profiles.iter().map(|(p, _)| p.clone()).collect();
    let info = &inputs.info;
    write(
        s,
        RUNBOOK,
        &runbook::runbook(&c, &profiles, inputs.scenarios, &info.source.commit, info.source.dirty),
        0o644,
    )?;
    write(s, sbom::FILE, &pretty(&sbom::cyclonedx(info)), 0o644)?;
    write(s, provenance::FILE, &pretty(&provenance::statement(info)), 0o644)?;
    let sums = sum_tree(s)?;
    write(s, SUMS, &sums::render(&sums), 0o644)?;
    write(
        s,
        UNSIGNED,
        "This bundle is not signed: SHA256SUMS shows the files are intact, not who built them.\n\
         Sign it with `cargo xtask release ... --key FILE`.\n",
        0o644,
    )?;
    let staged = stage.keep();
    std::fs::rename(&staged, out).with_context(|| format!("moving the bundle to {}", out.display()))?;
    Ok(inputs.info)
}

pub fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values serialise");
    s.push('\n');
    s
}

/// The sums of every file under `dir` except the signature files.
pub fn sum_tree(dir: &Path) -> anyhow::Result<Sums> {
    let mut out = Sums::new();
    for rel in list_files(dir)? {
        if !is_signature_file(&rel) {
            out.insert(rel.clone(), file_sha256(&dir.join(&rel))?);
        }
    }
    Ok(out)
}

/// Every regular file under `dir`, relative, sorted. Anything else (a
/// symlink, a device) is an error: a bundle holds plain files only.
pub fn list_files(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let e = e?;
            let ty = e.file_type()?;
            let p = e.path();
            if ty.is_dir() {
                stack.push(p);
            } else if ty.is_file() {
                out.push(p.strip_prefix(dir).expect("under dir").to_string_lossy().into_owned());
            } else {
                return Err(
                    BadInput(format!("{}: not a regular file (bundles hold plain files only)", p.display())).into()
                );
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Signs a written bundle: `SHA256SUMS.minisig`, the statement's signature,
/// the public key for reference; `UNSIGNED` goes.
pub fn sign(dir: &Path, signer: &Signer, commit: &str) -> anyhow::Result<()> {
    let sums = std::fs::read(dir.join(SUMS))?;
    let statement = std::fs::read(dir.join(provenance::FILE))?;
    let short = &commit[..commit.len().min(12)];
    let sig_sums = signer.sign(&sums, &format!("file:{SUMS} commit:{short}"))?;
    let sig_statement = signer.sign(&statement, &format!("file:{} commit:{short}", provenance::FILE))?;
    std::fs::write(dir.join(SUMS_SIG), sig_sums)?;
    std::fs::write(dir.join(STATEMENT_SIG), sig_statement)?;
    std::fs::write(dir.join(SIGNING_KEY), signer.public_key_text()?)?;
    let _ = std::fs::remove_file(dir.join(UNSIGNED));
    Ok(())
}

/// `DIR.tar.gz` beside the bundle: sorted entries, owner 0:0, modes 0644 or
/// 0755, every mtime `epoch`, no gzip timestamp. The same bundle gives the
/// same archive bytes.
pub fn archive(dir: &Path, epoch: u64) -> anyhow::Result<PathBuf> {
    let name = dir.file_name().context("the bundle directory has no name")?.to_string_lossy().into_owned();
    let out = dir.with_file_name(format!("{name}.tar.gz"));
    let tmp = dir.with_file_name(format!(".{name}.tar.gz.tmp"));
    let file = std::fs::File::create(&tmp)?;
    let gz = flate2::GzBuilder::new().mtime(0).write(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut dirs_done = std::collections::BTreeSet::new();
    let entry = |path: &str, size: u64, mode: u32, kind: tar::EntryType| {
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(epoch);
        h.set_entry_type(kind);
        let _ = h.set_username("root");
        let _ = h.set_groupname("root");
        (h, path.to_string())
    };
    for rel in list_files(dir)? {
        // Parent directories first, once each.
        let mut prefix = String::new();
        for comp in rel.split('/').collect::<Vec<_>>().split_last().map(|(_, d)| d.to_vec()).unwrap_or_default() {
            prefix = if prefix.is_empty() { comp.to_string() } else { format!("{prefix}/{comp}") };
            if dirs_done.insert(prefix.clone()) {
                let (mut h, p) = entry(&format!("{name}/{prefix}/"), 0, 0o755, tar::EntryType::Directory);
                tar.append_data(&mut h, p, std::io::empty())?;
            }
        }
        let path = dir.join(&rel);
        let meta = std::fs::metadata(&path)?;
        let mode = if meta.permissions().mode() & 0o111 != 0 { 0o755 } else { 0o644 };
        let (mut h, p) = entry(&format!("{name}/{rel}"), meta.len(), mode, tar::EntryType::Regular);
        tar.append_data(&mut h, p, std::fs::File::open(&path)?)?;
    }
    tar.into_inner()?.finish()?;
    std::fs::rename(&tmp, &out)?;
    Ok(out)
}
