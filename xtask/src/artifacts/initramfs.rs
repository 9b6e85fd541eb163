//! The initramfs: a deterministic newc archive written with the `cpio` crate.
//!
//! Layers, each over the one before: the base directories and device nodes,
//! BusyBox and a symlink per applet, `/init`, `rootfs/skeleton/`, the kernel
//! modules, the test programs, then the profile's overlays. Entries are
//! sorted (a parent always precedes its children), owned by 0:0, stamped
//! with `SOURCE_DATE_EPOCH`, and numbered in order, so the same inputs give
//! the same bytes.

use std::collections::BTreeMap;
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{Profile, Workspace};

use super::cache::{self, Cache, Entry, Job, KeyBuilder};
use super::{busybox, SOURCE_DATE_EPOCH};

const RECIPE: &str = "initramfs-1";

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;

/// The directories every guest gets, with their modes.
const BASE_DIRS: &[(&str, u32)] = &[
    ("bin", 0o755),
    ("dev", 0o755),
    ("etc", 0o755),
    ("home", 0o755),
    ("lib", 0o755),
    ("lib/modules", 0o755),
    ("mnt", 0o755),
    ("proc", 0o755),
    ("root", 0o700),
    ("run", 0o755),
    ("sbin", 0o755),
    ("sys", 0o755),
    ("tmp", 0o1777),
    ("usr", 0o755),
    ("usr/bin", 0o755),
    ("usr/sbin", 0o755),
];

/// Skeleton files whose mode git cannot carry.
const SKELETON_MODES: &[(&str, u32)] = &[("etc/shadow", 0o600)];

/// File contents: a host file (read when the archive is written) or bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Host(PathBuf),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir { mode: u32 },
    File { mode: u32, data: Data },
    Symlink { target: String },
    CharDev { mode: u32, major: u32, minor: u32 },
}

/// How host permission bits map into the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modes {
    /// As on the host (overlays).
    Keep,
    /// 0755 for directories and executables, 0644 for the rest; existing
    /// directories keep their mode (skeleton, built fragments).
    Normalize,
}

/// The archive's contents, keyed by path relative to `/` (`""` is `/`).
#[derive(Debug, Clone, Default)]
pub struct Tree {
    nodes: BTreeMap<String, Node>,
}

impl Tree {
    pub fn new() -> Tree {
        let mut nodes = BTreeMap::new();
        nodes.insert(String::new(), Node::Dir { mode: 0o755 });
        Tree { nodes }
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path.trim_matches('/'))
    }

    /// Adds or replaces `path`; missing parents become 0755 directories.
    pub fn insert(&mut self, path: &str, node: Node) -> anyhow::Result<()> {
        let path = path.trim_matches('/');
        if path.split('/').any(|c| c.is_empty() || c == "." || c == "..") && !path.is_empty() {
            anyhow::bail!("bad archive path `{path}`");
        }
        let mut parent = String::new();
        let components: Vec<&str> = path.split('/').collect();
        for c in &components[..components.len().saturating_sub(1)] {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(c);
            match self.nodes.get(&parent) {
                None => {
                    self.nodes.insert(parent.clone(), Node::Dir { mode: 0o755 });
                }
                Some(Node::Dir { .. }) => {}
                Some(_) => anyhow::bail!("cannot add `/{path}`: `/{parent}` is not a directory"),
            }
        }
        if !matches!(node, Node::Dir { .. }) {
            let prefix = format!("{path}/");
            let below: Vec<String> = self
                .nodes
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .map(|(k, _)| k.clone())
                .collect();
            for k in below {
                self.nodes.remove(&k);
            }
        }
        self.nodes.insert(path.to_string(), node);
        Ok(())
    }

    /// Copies the host directory `src` (not itself) under `dest`.
    pub fn add_host_dir(&mut self, src: &Path, dest: &str, modes: Modes) -> anyhow::Result<()> {
        for (rel, meta) in cache::walk(src)? {
            let path = if dest.is_empty() { rel.clone() } else { format!("{}/{rel}", dest.trim_matches('/')) };
            let host_mode = meta.permissions().mode() & 0o7777;
            let node = if meta.file_type().is_symlink() {
                let target = std::fs::read_link(src.join(&rel))?;
                Node::Symlink { target: target.to_str().context("symlink targets must be UTF-8")?.to_string() }
            } else if meta.is_dir() {
                match (modes, self.get(&path)) {
                    (Modes::Normalize, Some(Node::Dir { .. })) => continue,
                    (Modes::Normalize, _) => Node::Dir { mode: 0o755 },
                    (Modes::Keep, _) => Node::Dir { mode: host_mode },
                }
            } else if meta.is_file() {
                let mode = match modes {
                    Modes::Keep => host_mode,
                    Modes::Normalize if host_mode & 0o111 != 0 => 0o755,
                    Modes::Normalize => 0o644,
                };
                Node::File { mode, data: Data::Host(src.join(&rel)) }
            } else {
                anyhow::bail!(
                    "{}: only files, directories and symlinks can go into the initramfs",
                    src.join(&rel).display()
                );
            };
            self.insert(&path, node)?;
        }
        Ok(())
    }

    pub fn set_mode(&mut self, path: &str, new: u32) {
        if let Some(Node::Dir { mode } | Node::File { mode, .. } | Node::CharDev { mode, .. }) =
            self.nodes.get_mut(path)
        {
            *mode = new;
        }
    }

    /// Writes the archive: sorted, uid/gid 0, fixed mtime and inode numbers.
    pub fn write_newc<W: Write>(&self, mut out: W) -> anyhow::Result<W> {
        for (i, (path, node)) in self.nodes.iter().enumerate() {
            let name = if path.is_empty() { "." } else { path.as_str() };
            let b = cpio::newc::Builder::new(name).ino(i as u32 + 1).uid(0).gid(0).mtime(SOURCE_DATE_EPOCH as u32);
            let (b, data) = match node {
                Node::Dir { mode } => (b.mode(S_IFDIR | mode).nlink(2), Vec::new()),
                Node::File { mode, data } => (b.mode(S_IFREG | mode), read(data)?),
                Node::Symlink { target } => (b.mode(S_IFLNK | 0o777), target.as_bytes().to_vec()),
                Node::CharDev { mode, major, minor } => {
                    (b.mode(S_IFCHR | mode).rdev_major(*major).rdev_minor(*minor), Vec::new())
                }
            };
            let size = u32::try_from(data.len()).with_context(|| format!("/{path} is too large for newc"))?;
            let mut w = b.write(&mut out, size);
            w.write_all(&data)?;
            w.finish()?;
        }
        cpio::newc::trailer(&mut out)?;
        Ok(out)
    }
}

fn read(data: &Data) -> anyhow::Result<Vec<u8>> {
    match data {
        Data::Bytes(b) => Ok(b.clone()),
        Data::Host(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display())),
    }
}

/// One archive member, as read back (for tests and inspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u32,
    pub rdev: (u32, u32),
    pub data: Vec<u8>,
}

/// Reads a newc archive back into its members.
pub fn read_newc(mut archive: &[u8]) -> anyhow::Result<Vec<Member>> {
    let mut members = Vec::new();
    loop {
        let mut r = cpio::newc::Reader::new(archive)?;
        if r.entry().is_trailer() {
            return Ok(members);
        }
        let e = r.entry().clone();
        let mut data = Vec::new();
        r.read_to_end(&mut data)?;
        members.push(Member {
            name: e.name().to_string(),
            mode: e.mode(),
            uid: e.uid(),
            gid: e.gid(),
            mtime: e.mtime(),
            rdev: (e.rdev_major(), e.rdev_minor()),
            data,
        });
        archive = r.finish()?;
    }
}

/// The built pieces an initramfs is made of.
pub struct Parts<'a> {
    pub busybox: &'a Entry,
    pub modules: Option<&'a Entry>,
    pub testprogs: Option<&'a Entry>,
}

/// Lays out the whole archive (the inputs are read when it is written).
pub fn tree(ws: &Workspace, profile: &Profile, parts: &Parts<'_>) -> anyhow::Result<Tree> {
    let mut t = Tree::new();
    for (dir, mode) in BASE_DIRS {
        t.insert(dir, Node::Dir { mode: *mode })?;
    }
    t.insert("dev/console", Node::CharDev { mode: 0o600, major: 5, minor: 1 })?;
    t.insert("dev/null", Node::CharDev { mode: 0o666, major: 1, minor: 3 })?;
    t.insert("bin/busybox", Node::File { mode: 0o755, data: Data::Host(parts.busybox.dir.join("busybox")) })?;
    for applet in busybox::applets(&parts.busybox.dir)? {
        let path = applet.to_str().context("applet paths must be UTF-8")?.trim_start_matches('/');
        if t.get(path).is_none() {
            t.insert(path, Node::Symlink { target: "/bin/busybox".into() })?;
        }
    }
    let rootfs = ws.root.join("rootfs");
    t.insert("init", Node::File { mode: 0o755, data: Data::Host(rootfs.join("init")) })?;
    t.add_host_dir(&rootfs.join("skeleton"), "", Modes::Normalize)?;
    for (path, mode) in SKELETON_MODES {
        t.set_mode(path, *mode);
    }
    if let Some(m) = parts.modules {
        t.add_host_dir(&m.dir.join("tree"), "", Modes::Normalize)?;
    }
    if let Some(p) = parts.testprogs {
        t.add_host_dir(&p.dir, "", Modes::Normalize)?;
    }
    for overlay in &profile.rootfs.overlays {
        t.add_host_dir(overlay, "", Modes::Keep)?;
    }
    Ok(t)
}

/// Builds `initramfs.cpio` for `profile`.
pub fn build(
    cache: &Cache,
    ws: &Workspace,
    profile: &Profile,
    parts: &Parts<'_>,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Entry> {
    let rootfs = ws.root.join("rootfs");
    let mut k = KeyBuilder::new("initramfs");
    k.str("recipe", RECIPE).key("busybox", &parts.busybox.key);
    k.file("init", &rootfs.join("init"))?.tree("skeleton", &rootfs.join("skeleton"))?;
    if let Some(m) = parts.modules {
        k.key("modules", &m.key);
    }
    if let Some(p) = parts.testprogs {
        k.key("testprogs", &p.key);
    }
    for (i, overlay) in profile.rootfs.overlays.iter().enumerate() {
        k.tree(&format!("overlay {i}"), overlay)?;
    }
    let job =
        Job { kind: "initramfs", key: k.finish(), label: format!("initramfs {}", profile.arch.name()), estimate: None };
    cache.get_or_build(job, log, |dirs, _| {
        let t = tree(ws, profile, parts)?;
        let file = std::fs::File::create(dirs.out.join("initramfs.cpio"))?;
        t.write_newc(BufWriter::new(file))?.flush()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path) -> Tree {
        std::fs::create_dir_all(dir.join("etc/udhcpc")).unwrap();
        std::fs::write(dir.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
        std::fs::write(dir.join("etc/udhcpc/default.script"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(dir.join("etc/udhcpc/default.script"), std::fs::Permissions::from_mode(0o775))
            .unwrap();
        let mut t = Tree::new();
        for (d, mode) in BASE_DIRS {
            t.insert(d, Node::Dir { mode: *mode }).unwrap();
        }
        t.insert("dev/console", Node::CharDev { mode: 0o600, major: 5, minor: 1 }).unwrap();
        t.insert("dev/null", Node::CharDev { mode: 0o666, major: 1, minor: 3 }).unwrap();
        t.insert("bin/busybox", Node::File { mode: 0o755, data: Data::Bytes(b"\x7fELF".to_vec()) }).unwrap();
        t.insert("usr/sbin/httpd", Node::Symlink { target: "/bin/busybox".into() }).unwrap();
        t.add_host_dir(dir, "", Modes::Normalize).unwrap();
        t
    }

    #[test]
    fn archive_is_deterministic() {
        let dir = tempfile::tempdir().unwrap();
        let a = sample(dir.path()).write_newc(Vec::new()).unwrap();
        // Same inputs, different host mtimes: same bytes.
        std::fs::File::options()
            .append(true)
            .open(dir.path().join("etc/passwd"))
            .unwrap()
            .set_modified(std::time::SystemTime::now())
            .unwrap();
        let b = sample(dir.path()).write_newc(Vec::new()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn listing_has_devices_modes_and_owners() {
        let dir = tempfile::tempdir().unwrap();
        let members = read_newc(&sample(dir.path()).write_newc(Vec::new()).unwrap()).unwrap();
        let get = |n: &str| members.iter().find(|m| m.name == n).unwrap_or_else(|| panic!("{n} missing"));
        assert_eq!(members[0].name, ".");
        let console = get("dev/console");
        assert_eq!((console.mode, console.rdev), (S_IFCHR | 0o600, (5, 1)));
        assert_eq!(get("dev/null").rdev, (1, 3));
        assert_eq!(get("tmp").mode, S_IFDIR | 0o1777);
        assert_eq!(get("root").mode, S_IFDIR | 0o700);
        assert_eq!(get("etc/udhcpc/default.script").mode, S_IFREG | 0o755);
        assert_eq!(get("etc/passwd").mode, S_IFREG | 0o644);
        let link = get("usr/sbin/httpd");
        assert_eq!((link.mode, link.data.as_slice()), (S_IFLNK | 0o777, b"/bin/busybox".as_slice()));
        assert!(members.iter().all(|m| m.uid == 0 && m.gid == 0 && m.mtime == SOURCE_DATE_EPOCH as u32));
        // Sorted, so every parent precedes its children.
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
    }

    #[test]
    fn later_layers_replace_earlier_ones() {
        let mut t = Tree::new();
        t.insert("usr/bin/vi", Node::Symlink { target: "/bin/busybox".into() }).unwrap();
        t.insert("usr/bin/vi", Node::File { mode: 0o755, data: Data::Bytes(b"real vi".to_vec()) }).unwrap();
        assert!(matches!(t.get("usr/bin/vi"), Some(Node::File { .. })));
        t.insert("opt/x/y", Node::Dir { mode: 0o755 }).unwrap();
        t.insert("opt/x", Node::File { mode: 0o644, data: Data::Bytes(Vec::new()) }).unwrap();
        assert!(t.get("opt/x/y").is_none());
        assert!(t.insert("opt/x/z", Node::Dir { mode: 0o755 }).is_err());
        assert!(t.insert("a/../b", Node::Dir { mode: 0o755 }).is_err());
    }
}
