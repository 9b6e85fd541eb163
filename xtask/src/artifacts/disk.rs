//! Base disk images: `mke2fs -d` from a seed directory, no root needed.
//!
//! Deterministic: the UUID and directory hash seed come from the cache key,
//! filesystem times from `E2FSPROGS_FAKE_TIME`, and `debugfs` then sets
//! every seeded inode's owner to 0:0 and its times to `SOURCE_DATE_EPOCH`
//! (mke2fs copies them from the host, where a checkout has the user's uid
//! and its own times). The same inputs give the same bytes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::Context;

use sha2::{Digest, Sha256};

use crate::config::{Disk, Filesystem, PartitionTable};

use super::cache::{self, Cache, Entry, Job, Key, KeyBuilder};
use super::{cmd, partition, tools, SOURCE_DATE_EPOCH};

const RECIPE: &str = "disk-2";

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
        .str("label", disk.label.as_deref().unwrap_or(""))
        .str("partition", &format!("{:?}", disk.partition));
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
        let empty = dirs.work.join("empty");
        std::fs::create_dir(&empty)?;
        std::fs::set_permissions(&empty, std::fs::Permissions::from_mode(0o755))?;
        let seed = disk.seed.as_deref().unwrap_or(&empty);
        if disk.partition == PartitionTable::None {
            return make_fs(disk, &key, seed, &dirs.out.join(&image));
        }
        let fs = dirs.work.join("fs.img");
        make_fs(disk, &key, seed, &fs)?;
        let mut ids = [0u8; 16];
        ids.copy_from_slice(&Sha256::digest(key.to_string().as_bytes())[..16]);
        partition::wrap(&fs, &dirs.out.join(&image), disk.partition, ids, disk.label.as_deref().unwrap_or(&disk.name))
    })?;
    let path = entry.dir.join(&image);
    Ok((entry, path))
}

fn make_fs(disk: &Disk, key: &Key, seed: &Path, img: &Path) -> anyhow::Result<()> {
    let uuid = uuid_from_key(key);
    let mke2fs = tools::find(&tools::MKE2FS).context("mke2fs not found (see `cargo xtask doctor`)")?;
    let mut args: Vec<String> = vec!["-q".into(), "-t".into(), fs_name(disk.filesystem).into()];
    args.extend(["-d".into(), seed.display().to_string()]);
    if let Some(label) = &disk.label {
        args.extend(["-L".into(), label.clone()]);
    }
    args.extend(["-U".into(), uuid.clone(), "-E".into(), format!("root_owner=0:0,hash_seed={uuid}")]);
    args.extend([img.display().to_string(), format!("{}M", disk.size_mib)]);
    cmd::run(cmd::reproducible(duct::cmd(mke2fs, &args)), &format!("mke2fs for disk `{}`", disk.name))?;
    normalize_inodes(img, seed)?;
    let e2fsck = tools::find(&tools::E2FSCK).context("e2fsck not found (see `cargo xtask doctor`)")?;
    cmd::run(duct::cmd(e2fsck, ["-fn".as_ref(), img.as_os_str()]), &format!("e2fsck of the new disk `{}`", disk.name))?;
    Ok(())
}

/// Sets owner 0:0 and every time to `SOURCE_DATE_EPOCH` on each inode
/// copied from `seed`.
fn normalize_inodes(img: &Path, seed: &Path) -> anyhow::Result<()> {
    let entries = cache::walk(seed)?;
    if entries.is_empty() {
        return Ok(());
    }
    let mut script = String::new();
    for (rel, _) in entries {
        // debugfs quotes arguments with "..." and has no escape for a quote inside.
        if rel.contains(['"', '\n']) {
            anyhow::bail!("{}: disk seed file names cannot contain `\"` or newlines", seed.join(&rel).display());
        }
        let p = format!("/{rel}");
        for (field, value) in [("uid", "0".to_string()), ("gid", "0".into())]
            .into_iter()
            .chain(["atime", "ctime", "mtime"].map(|f| (f, format!("@{SOURCE_DATE_EPOCH}"))))
        {
            script.push_str(&format!("set_inode_field \"{p}\" {field} {value}\n"));
        }
    }
    let debugfs = tools::find(&tools::DEBUGFS).context("debugfs not found (see `cargo xtask doctor`)")?;
    let out = cmd::run(
        cmd::reproducible(duct::cmd(debugfs, ["-w".as_ref(), "-f".as_ref(), "-".as_ref(), img.as_os_str()]))
            .stdin_bytes(script),
        "debugfs (normalising owners and times)",
    )?;
    // debugfs reports per-command errors on its output but still exits 0;
    // everything else it prints starts with `debugfs`.
    if let Some(line) = out.lines().find(|l| !l.trim().is_empty() && !l.starts_with("debugfs")) {
        anyhow::bail!("debugfs: {line}");
    }
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

    /// Needs e2fsprogs (a host tool, no network); says so and passes without it.
    #[test]
    fn same_seed_gives_same_image_owned_by_root() {
        if [tools::MKE2FS, tools::E2FSCK, tools::DEBUGFS].iter().any(|t| tools::find(t).is_none()) {
            eprintln!("skipped: e2fsprogs not installed");
            return;
        }
        let seed = tempfile::tempdir().unwrap();
        std::fs::create_dir(seed.path().join("d")).unwrap();
        std::fs::write(seed.path().join("d/f q.txt"), "data\n").unwrap();
        std::os::unix::fs::symlink("d", seed.path().join("link")).unwrap();
        // ext2 bare and ext4 (journal, metadata checksums) inside a GPT: both
        // must come out byte for byte the same from two fresh caches.
        for (filesystem, partition) in
            [(Filesystem::Ext4, PartitionTable::Gpt), (Filesystem::Ext2, PartitionTable::None)]
        {
            let disk = Disk {
                name: "t".into(),
                size_mib: 4,
                filesystem,
                partition,
                seed: Some(seed.path().to_path_buf()),
                label: Some("tlabel".into()),
            };
            let build_in = |dir: &Path| {
                let cache = Cache::new(dir.to_path_buf());
                build(&cache, &disk, &mut |_| {}).unwrap().1
            };
            let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let img_a = build_in(a.path());
            // Different host times for the second build's inputs.
            let earlier = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
            std::fs::File::open(seed.path().join("d/f q.txt")).unwrap().set_modified(earlier).unwrap();
            let img_b = build_in(b.path());
            let (bytes_a, bytes_b) = (std::fs::read(&img_a).unwrap(), std::fs::read(&img_b).unwrap());
            if bytes_a != bytes_b {
                let kept = std::env::temp_dir();
                std::fs::write(kept.join("xtask-disk-a.img"), &bytes_a).unwrap();
                std::fs::write(kept.join("xtask-disk-b.img"), &bytes_b).unwrap();
                panic!(
                    "{filesystem:?}/{partition:?}: two builds differ; kept as {}/xtask-disk-{{a,b}}.img",
                    kept.display()
                );
            }
            if partition != PartitionTable::None {
                continue;
            }
            let debugfs = tools::find(&tools::DEBUGFS).unwrap();
            let stat = cmd::run(
                duct::cmd(debugfs, ["-R".as_ref(), "stat \"/d/f q.txt\"".as_ref(), img_a.as_os_str()]),
                "debugfs",
            )
            .unwrap();
            assert!(stat.contains("User:     0   Group:     0"), "{stat}");
        }
    }
}
