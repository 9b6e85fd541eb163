//! Base disk images: `mke2fs -d` from a seed directory, no root needed.
//!
//! As deterministic as mke2fs allows: the UUID and directory hash seed come
//! from the cache key, filesystem times from `E2FSPROGS_FAKE_TIME`, and the
//! seed is staged with fixed mtimes and 0:0 ownership (`chown` as root,
//! otherwise `debugfs` rewrites the owners inside the image). Inode change
//! times still come from the staging copy.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Context;

use crate::config::{Disk, Filesystem};

use super::cache::{self, Cache, Entry, Job, Key, KeyBuilder};
use super::{cmd, tools, SOURCE_DATE_EPOCH};

const RECIPE: &str = "disk-1";

pub fn fs_name(fs: Filesystem) -> &'static str {
    match fs {
        Filesystem::Ext2 => "ext2",
        Filesystem::Ext4 => "ext4",
    }
}

/// A well-formed (version 4) UUID made from the first bytes of `key`.
pub fn uuid_from_key(key: &Key) -> String {
    let h = key.as_str();
    let mut hex: Vec<char> = h[..32].chars().collect();
    hex[12] = '4';
    hex[16] = ['8', '9', 'a', 'b'][(hex[16].to_digit(16).unwrap_or(0) & 3) as usize];
    let s: String = hex.into_iter().collect();
    format!("{}-{}-{}-{}-{}", &s[..8], &s[8..12], &s[12..16], &s[16..20], &s[20..32])
}

/// Builds `<name>.img` for one `disks` entry; returns the entry and the image path.
pub fn build(cache: &Cache, disk: &Disk, log: &mut dyn FnMut(&str)) -> anyhow::Result<(Entry, std::path::PathBuf)> {
    let mut k = KeyBuilder::new("disk");
    k.str("recipe", RECIPE)
        .str("name", &disk.name)
        .str("filesystem", fs_name(disk.filesystem))
        .str("size_mib", &disk.size_mib.to_string())
        .str("label", disk.label.as_deref().unwrap_or(""));
    if let Some(seed) = &disk.seed {
        k.tree("seed", seed)?;
    }
    let key = k.finish();
    let image = format!("{}.img", disk.name);
    let job = Job {
        kind: "disk",
        key: key.clone(),
        label: format!("disk {} ({}, {} MiB)", disk.name, fs_name(disk.filesystem), disk.size_mib),
        estimate: None,
    };
    let entry = cache.get_or_build(job, log, |dirs, _| {
        let stage = dirs.work.join("seed");
        std::fs::create_dir(&stage)?;
        std::fs::set_permissions(&stage, std::fs::Permissions::from_mode(0o755))?;
        if let Some(seed) = &disk.seed {
            stage_seed(seed, &stage)?;
        }
        let img = dirs.out.join(&image);
        make_fs(disk, &key, &stage, &img)
    })?;
    let path = entry.dir.join(&image);
    Ok((entry, path))
}

/// Copies `seed` into `stage` keeping modes and symlinks, with fixed mtimes.
fn stage_seed(seed: &Path, stage: &Path) -> anyhow::Result<()> {
    let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(SOURCE_DATE_EPOCH);
    let entries = cache::walk(seed)?;
    for (rel, meta) in &entries {
        let (src, dst) = (seed.join(rel), stage.join(rel));
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else if meta.is_dir() {
            std::fs::create_dir(&dst)?;
        } else if meta.is_file() {
            std::fs::copy(&src, &dst).with_context(|| format!("cannot copy {}", src.display()))?;
        } else {
            anyhow::bail!("{}: only files, directories and symlinks can seed a disk", src.display());
        }
        if !meta.file_type().is_symlink() {
            std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(meta.permissions().mode() & 0o7777))?;
        }
        if tools::is_root() {
            std::os::unix::fs::lchown(&dst, Some(0), Some(0))?;
        }
    }
    // Times last: filling a directory moves its mtime.
    let paths = entries.iter().filter(|(_, m)| !m.file_type().is_symlink()).map(|(rel, _)| stage.join(rel));
    for path in paths.chain(std::iter::once(stage.to_path_buf())) {
        // A read-only handle is enough (directories too): futimens only needs ownership.
        std::fs::File::open(&path)?
            .set_modified(epoch)
            .with_context(|| format!("cannot set the mtime of {}", path.display()))?;
    }
    Ok(())
}

fn make_fs(disk: &Disk, key: &Key, stage: &Path, img: &Path) -> anyhow::Result<()> {
    let uuid = uuid_from_key(key);
    let mke2fs = tools::find(&tools::MKE2FS).context("mke2fs not found (see `cargo xtask doctor`)")?;
    let mut args: Vec<String> = vec!["-q".into(), "-t".into(), fs_name(disk.filesystem).into()];
    args.extend(["-d".into(), stage.display().to_string()]);
    if let Some(label) = &disk.label {
        args.extend(["-L".into(), label.clone()]);
    }
    args.extend(["-U".into(), uuid.clone(), "-E".into(), format!("root_owner=0:0,hash_seed={uuid}")]);
    args.extend([img.display().to_string(), format!("{}M", disk.size_mib)]);
    cmd::run(cmd::reproducible(duct::cmd(mke2fs, &args)), &format!("mke2fs for disk `{}`", disk.name))?;
    if !tools::is_root() && disk.seed.is_some() {
        chown_inside(img, stage)?;
    }
    let e2fsck = tools::find(&tools::E2FSCK).context("e2fsck not found (see `cargo xtask doctor`)")?;
    cmd::run(duct::cmd(e2fsck, ["-fn".as_ref(), img.as_os_str()]), &format!("e2fsck of the new disk `{}`", disk.name))?;
    Ok(())
}

/// Without root the staged files belong to us; make them 0:0 inside the image.
fn chown_inside(img: &Path, stage: &Path) -> anyhow::Result<()> {
    let mut script = String::new();
    for (rel, _) in cache::walk(stage)? {
        let p = format!("/{rel}").replace('"', "\\\"");
        script.push_str(&format!("set_inode_field \"{p}\" uid 0\nset_inode_field \"{p}\" gid 0\n"));
    }
    let debugfs = tools::find(&tools::DEBUGFS).context("debugfs not found (see `cargo xtask doctor`)")?;
    cmd::run(
        cmd::reproducible(duct::cmd(debugfs, ["-w".as_ref(), "-f".as_ref(), "-".as_ref(), img.as_os_str()]))
            .stdin_bytes(script),
        "debugfs (setting owners to root)",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_is_well_formed_and_stable() {
        let key = KeyBuilder::new("disk").str("a", "b").finish();
        let u = uuid_from_key(&key);
        assert_eq!(u, uuid_from_key(&key));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!("89ab".contains(&u[19..20]));
    }
}
