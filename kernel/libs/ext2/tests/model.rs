//! Random operation sequences run on the crate and on an in-memory model
//! of the same tree; after each remount and at the end the two must agree
//! (names, types, contents, link counts) and e2fsck -fn must be clean.
//!
//! The default run is small; `EXT2_PROPTEST_CASES=500 cargo test -p
//! kernel-ext2 --test model` runs a longer one.

mod common;

use std::collections::BTreeMap;

use common::{e2fsprogs, options, Image};
use kernel_ext2::{Error, Ext2, FileType, Ino, MemDevice, MountWarning, NewInode, ROOT_INO};
use proptest::prelude::*;

type Path = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A regular file: the index of its contents (hard links share it).
    File(usize),
    Dir,
    Symlink(Vec<u8>),
}

#[derive(Default)]
struct Model {
    tree: BTreeMap<Path, Node>,
    contents: Vec<Vec<u8>>,
}

#[derive(Debug, Clone)]
enum Op {
    Create {
        parent: usize,
        name: u8,
    },
    Mkdir {
        parent: usize,
        name: u8,
    },
    Symlink {
        parent: usize,
        name: u8,
        len: usize,
    },
    Write {
        file: usize,
        offset: u64,
        len: usize,
        seed: u8,
    },
    Truncate {
        file: usize,
        size: u64,
    },
    /// `keep_open`: the file stays open after losing its last name.
    Unlink {
        entry: usize,
        keep_open: bool,
    },
    Rmdir {
        entry: usize,
    },
    Rename {
        entry: usize,
        parent: usize,
        name: u8,
    },
    Link {
        file: usize,
        parent: usize,
        name: u8,
    },
    Remount,
    /// Closes an unlinked file kept open.
    Close {
        which: usize,
    },
    /// sync, then lose power: remount without unmounting.
    Crash,
}

fn op() -> impl Strategy<Value = Op> {
    let idx = 0..64usize;
    let name = 0..6u8;
    let offset = prop_oneof![0..20_000u64, 260_000..300_000u64];
    prop_oneof![
        3 => (idx.clone(), name.clone()).prop_map(|(parent, name)| Op::Create { parent, name }),
        2 => (idx.clone(), name.clone()).prop_map(|(parent, name)| Op::Mkdir { parent, name }),
        1 => (idx.clone(), name.clone(), 1..120usize).prop_map(|(parent, name, len)| Op::Symlink { parent, name, len }),
        4 => (idx.clone(), offset, 0..12_000usize, any::<u8>())
            .prop_map(|(file, offset, len, seed)| Op::Write { file, offset, len, seed }),
        2 => (idx.clone(), 0..300_000u64).prop_map(|(file, size)| Op::Truncate { file, size }),
        2 => (idx.clone(), any::<bool>()).prop_map(|(entry, keep_open)| Op::Unlink { entry, keep_open }),
        1 => idx.clone().prop_map(|which| Op::Close { which }),
        1 => idx.clone().prop_map(|entry| Op::Rmdir { entry }),
        2 => (idx.clone(), idx.clone(), name.clone()).prop_map(|(entry, parent, name)| Op::Rename { entry, parent, name }),
        1 => (idx.clone(), idx, name).prop_map(|(file, parent, name)| Op::Link { file, parent, name }),
        1 => Just(Op::Remount),
        1 => Just(Op::Crash),
    ]
}

fn name_of(n: u8) -> String {
    format!("n{n}")
}

fn child(parent: &Path, name: &str) -> Path {
    let mut p = parent.clone();
    p.push(name.to_string());
    p
}

fn starts_with(path: &Path, prefix: &Path) -> bool {
    path.len() >= prefix.len() && path[..prefix.len()] == prefix[..]
}

impl Model {
    fn dirs(&self) -> Vec<Path> {
        std::iter::once(Vec::new())
            .chain(self.tree.iter().filter(|(_, n)| **n == Node::Dir).map(|(p, _)| p.clone()))
            .collect()
    }
    fn files(&self) -> Vec<Path> {
        self.tree.iter().filter(|(_, n)| matches!(n, Node::File(_))).map(|(p, _)| p.clone()).collect()
    }
    fn entries(&self) -> Vec<Path> {
        self.tree.keys().cloned().collect()
    }
    fn pick(list: Vec<Path>, i: usize) -> Option<Path> {
        (!list.is_empty()).then(|| list[i % list.len()].clone())
    }
    fn has_children(&self, dir: &Path) -> bool {
        self.tree.keys().any(|p| p.len() == dir.len() + 1 && starts_with(p, dir))
    }
    fn links(&self, id: usize) -> usize {
        self.tree.values().filter(|n| **n == Node::File(id)).count()
    }
}

struct Harness {
    image: Image,
    fs: Option<Ext2<MemDevice>>,
    model: Model,
    /// Unlinked files still open: inode and contents index.
    open: Vec<(Ino, usize)>,
    /// The disk has not been cleanly unmounted since a crash: every mount
    /// warns (until e2fsck, as on Linux).
    unchecked: bool,
}

const OWNER: NewInode = NewInode { perm: 0o640, uid: 7, gid: 8 };

impl Harness {
    fn fs(&mut self) -> &mut Ext2<MemDevice> {
        self.fs.as_mut().unwrap()
    }

    fn resolve(&mut self, path: &Path) -> Ino {
        let mut ino = ROOT_INO;
        for part in path {
            ino = self.fs().lookup(ino, part.as_bytes()).unwrap_or_else(|e| panic!("lookup {path:?}: {e}"));
        }
        ino
    }

    fn apply(&mut self, op: &Op) {
        match op.clone() {
            Op::Create { parent, name } | Op::Mkdir { parent, name } | Op::Symlink { parent, name, .. } => {
                let parent = Model::pick(self.model.dirs(), parent).unwrap();
                let path = child(&parent, &name_of(name));
                let expect = if self.model.tree.contains_key(&path) { Err(Error::Exists) } else { Ok(()) };
                let dir = self.resolve(&parent);
                let n = name_of(name);
                let (got, node) = match op {
                    Op::Create { .. } => {
                        (self.fs().create(dir, n.as_bytes(), OWNER).map(drop), Node::File(self.model.contents.len()))
                    }
                    Op::Mkdir { .. } => (self.fs().mkdir(dir, n.as_bytes(), OWNER).map(drop), Node::Dir),
                    Op::Symlink { len, .. } => {
                        let target: Vec<u8> = (0..*len).map(|i| b'a' + (i % 26) as u8).collect();
                        (self.fs().symlink(dir, n.as_bytes(), &target, OWNER).map(drop), Node::Symlink(target))
                    }
                    _ => unreachable!(),
                };
                assert_eq!(got, expect, "{op:?} at {path:?}");
                if got.is_ok() {
                    if let Node::File(_) = node {
                        self.model.contents.push(Vec::new());
                    }
                    self.model.tree.insert(path, node);
                }
            }
            Op::Write { file, offset, len, seed } => {
                let Some(path) = Model::pick(self.model.files(), file) else { return };
                let Node::File(id) = self.model.tree[&path] else { unreachable!() };
                let data = common::pattern(seed, len);
                let ino = self.resolve(&path);
                assert_eq!(self.fs().write_at(ino, offset, &data), Ok(len), "{op:?}");
                let content = &mut self.model.contents[id];
                if len > 0 {
                    let end = offset as usize + len;
                    if content.len() < end {
                        content.resize(end, 0);
                    }
                    content[offset as usize..end].copy_from_slice(&data);
                }
            }
            Op::Truncate { file, size } => {
                let Some(path) = Model::pick(self.model.files(), file) else { return };
                let Node::File(id) = self.model.tree[&path] else { unreachable!() };
                let ino = self.resolve(&path);
                assert_eq!(self.fs().truncate(ino, size), Ok(()));
                self.model.contents[id].resize(size as usize, 0);
            }
            Op::Unlink { entry, .. } | Op::Rmdir { entry } => {
                let Some(path) = Model::pick(self.model.entries(), entry) else { return };
                let is_dir = self.model.tree[&path] == Node::Dir;
                let rmdir = matches!(op, Op::Rmdir { .. });
                let expect = match (rmdir, is_dir) {
                    (false, true) => Err(Error::IsDir),
                    (true, false) => Err(Error::NotDir),
                    (true, true) if self.model.has_children(&path) => Err(Error::NotEmpty),
                    _ => Ok(()),
                };
                let dir = self.resolve(&path[..path.len() - 1].to_vec());
                let name = path.last().unwrap().as_bytes().to_vec();
                let got = if rmdir { self.fs().rmdir(dir, &name) } else { self.fs().unlink(dir, &name) };
                // Only regular files are held open (the model reads them back).
                let keep_open =
                    matches!(op, Op::Unlink { keep_open: true, .. }) && matches!(self.model.tree[&path], Node::File(_));
                if let (Ok(Some(ino)), false) = (got, keep_open) {
                    self.fs().release(ino).unwrap();
                }
                let orphan = got;
                assert_eq!(orphan.map(drop), expect, "{op:?} on {path:?}");
                if expect.is_ok() {
                    let was = self.model.tree.remove(&path).unwrap();
                    if let Node::File(id) = was {
                        assert_eq!(orphan.unwrap().is_some(), self.model.links(id) == 0, "orphan report for {path:?}");
                        if let (Some(ino), true) = (orphan.unwrap(), keep_open) {
                            self.open.push((ino, id));
                        }
                    }
                }
            }
            Op::Rename { entry, parent, name } => {
                let Some(src) = Model::pick(self.model.entries(), entry) else { return };
                let dst_parent = Model::pick(self.model.dirs(), parent).unwrap();
                let dst = child(&dst_parent, &name_of(name));
                let src_parent = src[..src.len() - 1].to_vec();
                let src_node = self.model.tree[&src].clone();
                let src_is_dir = src_node == Node::Dir;
                let target = self.model.tree.get(&dst).cloned();
                let expect = if src_is_dir && src_parent != dst_parent && starts_with(&dst_parent, &src) {
                    Err(Error::Invalid)
                } else if src == dst || (matches!(src_node, Node::File(_)) && target.as_ref() == Some(&src_node)) {
                    Ok(false)
                } else {
                    match (&target, src_is_dir) {
                        (None, _) => Ok(true),
                        (Some(Node::Dir), true) if self.model.has_children(&dst) => Err(Error::NotEmpty),
                        (Some(Node::Dir), true) => Ok(true),
                        (Some(_), true) => Err(Error::NotDir),
                        (Some(Node::Dir), false) => Err(Error::IsDir),
                        (Some(_), false) => Ok(true),
                    }
                };
                let old_dir = self.resolve(&src_parent);
                let new_dir = self.resolve(&dst_parent);
                let got = self.fs().rename(old_dir, src.last().unwrap().as_bytes(), new_dir, name_of(name).as_bytes());
                if let Ok(Some(ino)) = got {
                    self.fs().release(ino).unwrap();
                }
                assert_eq!(got.map(drop), expect.map(drop), "{op:?}: {src:?} -> {dst:?}");
                if expect == Ok(true) {
                    self.model.tree.remove(&dst);
                    let moved: Vec<Path> = self.model.tree.keys().filter(|p| starts_with(p, &src)).cloned().collect();
                    for old in moved {
                        let node = self.model.tree.remove(&old).unwrap();
                        let mut new = dst.clone();
                        new.extend_from_slice(&old[src.len()..]);
                        self.model.tree.insert(new, node);
                    }
                }
            }
            Op::Link { file, parent, name } => {
                let Some(src) = Model::pick(self.model.files(), file) else { return };
                let dst_parent = Model::pick(self.model.dirs(), parent).unwrap();
                let dst = child(&dst_parent, &name_of(name));
                let expect = if self.model.tree.contains_key(&dst) { Err(Error::Exists) } else { Ok(()) };
                let ino = self.resolve(&src);
                let dir = self.resolve(&dst_parent);
                assert_eq!(self.fs().link(ino, dir, name_of(name).as_bytes()), expect, "{op:?}");
                if expect.is_ok() {
                    let node = self.model.tree[&src].clone();
                    self.model.tree.insert(dst, node);
                }
            }
            Op::Remount => {
                // Closing everything is part of unmounting.
                self.close_all();
                let dev = self.fs.take().unwrap().unmount().unwrap();
                let (fs, warnings) = Ext2::mount(dev, options()).unwrap();
                let expected: &[MountWarning] = if self.unchecked { &[MountWarning::Unchecked] } else { &[] };
                assert_eq!(warnings, expected);
                self.fs = Some(fs);
                self.check();
            }
            Op::Close { which } => {
                if self.open.is_empty() {
                    return;
                }
                let (ino, id) = self.open.remove(which % self.open.len());
                let want = self.model.contents[id].clone();
                let mut got = vec![0; want.len()];
                assert_eq!(self.fs().read_at(ino, 0, &mut got), Ok(want.len()));
                assert!(got == want, "contents of unlinked open inode {ino} differ");
                self.fs().release(ino).unwrap();
            }
            Op::Crash => {
                self.fs().sync().unwrap();
                let dev = self.fs().device().clone();
                self.fs = None;
                let (fs, warnings) = Ext2::mount(dev, options()).unwrap();
                let mut expected = vec![MountWarning::Unchecked];
                if !self.open.is_empty() {
                    expected.push(MountWarning::OrphansReleased(self.open.len() as u32));
                }
                assert_eq!(warnings, expected);
                self.open.clear();
                self.unchecked = true;
                self.fs = Some(fs);
                self.check();
            }
        }
    }

    fn close_all(&mut self) {
        for (ino, _) in std::mem::take(&mut self.open) {
            self.fs().release(ino).unwrap();
        }
    }

    /// The filesystem's tree equals the model's.
    fn check(&mut self) {
        let mut found = BTreeMap::new();
        self.walk(ROOT_INO, &Vec::new(), &mut found);
        let expected: BTreeMap<Path, FileType> = self
            .model
            .tree
            .iter()
            .map(|(p, n)| {
                let t = match n {
                    Node::File(_) => FileType::Regular,
                    Node::Dir => FileType::Directory,
                    Node::Symlink(_) => FileType::Symlink,
                };
                (p.clone(), t)
            })
            .collect();
        assert_eq!(found, expected);
        for (path, node) in self.model.tree.clone() {
            let ino = self.resolve(&path);
            let attr = self.fs().getattr(ino).unwrap();
            match node {
                Node::File(id) => {
                    let want = self.model.contents[id].clone();
                    assert_eq!(attr.size, want.len() as u64, "size of {path:?}");
                    let mut got = vec![0xAA; want.len()];
                    self.fs().read_at(ino, 0, &mut got).unwrap();
                    assert!(got == want, "contents of {path:?} differ");
                    assert_eq!(usize::from(attr.nlink), self.model.links(id), "links of {path:?}");
                }
                Node::Symlink(target) => assert_eq!(self.fs().readlink(ino).unwrap(), target),
                Node::Dir => {
                    let subdirs = self
                        .model
                        .tree
                        .iter()
                        .filter(|(p, n)| **n == Node::Dir && p.len() == path.len() + 1 && starts_with(p, &path))
                        .count();
                    assert_eq!(usize::from(attr.nlink), 2 + subdirs, "links of {path:?}");
                }
            }
        }
    }

    fn walk(&mut self, dir: Ino, path: &Path, found: &mut BTreeMap<Path, FileType>) {
        let mut entries = Vec::new();
        self.fs()
            .readdir(dir, 0, &mut |e| {
                entries.push(e);
                true
            })
            .unwrap();
        for e in entries {
            let name = String::from_utf8(e.name).unwrap();
            if name == "." || name == ".." || (path.is_empty() && name == "lost+found") {
                continue;
            }
            let p = child(path, &name);
            let t = e.file_type.unwrap();
            assert_eq!(t, self.fs().getattr(e.ino).unwrap().file_type);
            found.insert(p.clone(), t);
            if t == FileType::Directory {
                assert_eq!(self.fs().lookup(e.ino, b"..").unwrap(), dir, "`..` of {p:?}");
                self.walk(e.ino, &p, found);
            }
        }
    }
}

fn run(block_size: u32, ops: &[Op]) {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(block_size, 4096, None, &[]);
    let (fs, _) = image.mount();
    let mut h = Harness { image, fs: Some(fs), model: Model::default(), open: Vec::new(), unchecked: false };
    for op in ops {
        h.apply(op);
    }
    h.check();
    h.close_all();
    let fs = h.fs.take().unwrap();
    h.image.put(fs);
    h.image.assert_clean();
}

fn cases() -> u32 {
    std::env::var("EXT2_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_match_the_model(
        block_size in prop_oneof![Just(1024u32), Just(2048), Just(4096)],
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        run(block_size, &ops);
    }
}
