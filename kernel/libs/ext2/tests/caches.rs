//! What the filesystem keeps in memory between operations (the indirect
//! blocks, the last inode, the directory indexes) never goes stale: after
//! changes that free, reuse and rewrite the blocks and inodes behind them,
//! the mounted filesystem answers as a fresh mount of the same disk does,
//! and e2fsck finds nothing.

mod common;

use std::collections::BTreeMap;

use common::{e2fsprogs, options, pattern, Image};
use kernel_ext2::{Error, Ext2, Ino, MemDevice, MountOptions, NewInode, SetAttr, ROOT_INO};

const OWNER: NewInode = NewInode { perm: 0o644, uid: 0, gid: 0 };

fn names(fs: &mut Ext2<MemDevice>, dir: Ino) -> BTreeMap<Vec<u8>, Ino> {
    let mut out = BTreeMap::new();
    fs.readdir(dir, 0, &mut |e| {
        out.insert(e.name, e.ino);
        true
    })
    .unwrap();
    out
}

/// The mounted filesystem and a fresh mount of what it wrote agree on
/// every name of `dirs` (lookups of present and absent names) and on the
/// contents of `files`.
fn assert_agrees(fs: &mut Ext2<MemDevice>, dirs: &[Ino], files: &[Ino]) {
    fs.sync().unwrap();
    let copy = fs.device().clone();
    let (mut fresh, _) = Ext2::mount(copy, MountOptions { read_only: true, ..options() }).unwrap();
    for &dir in dirs {
        let listed = names(&mut fresh, dir);
        assert_eq!(names(fs, dir), listed);
        for (name, &ino) in &listed {
            assert_eq!(fs.lookup(dir, name), Ok(ino), "{}", String::from_utf8_lossy(name));
        }
        for absent in [&b"nothere"[..], b"f9999", b"g1"] {
            if !listed.contains_key(absent) {
                assert_eq!(fs.lookup(dir, absent), Err(Error::NotFound));
            }
        }
    }
    for &ino in files {
        let size = fresh.getattr(ino).unwrap().size as usize;
        assert_eq!(fs.getattr(ino).unwrap(), fresh.getattr(ino).unwrap());
        let (mut a, mut b) = (vec![0; size], vec![0; size]);
        assert_eq!(fs.read_at(ino, 0, &mut a), Ok(size));
        assert_eq!(fresh.read_at(ino, 0, &mut b), Ok(size));
        assert!(a == b, "inode {ino} reads differently");
    }
}

fn image() -> Option<Image> {
    Some(e2fsprogs()?.mkfs(1024, 8192, None, &[]))
}

#[test]
fn directory_index_follows_every_change() {
    let Some(img) = image() else { return };
    let (mut fs, _) = img.mount();
    let a = fs.mkdir(ROOT_INO, b"a", OWNER).unwrap();
    let b = fs.mkdir(ROOT_INO, b"b", OWNER).unwrap();
    // A one-block directory removed: the next directory takes its block
    // (and inode) and must not see its `..`.
    let s = fs.mkdir(a, b"s", OWNER).unwrap();
    assert_eq!(fs.lookup(s, b".."), Ok(a));
    let gone = fs.rmdir(a, b"s").unwrap();
    fs.release(gone.unwrap()).unwrap();
    let t = fs.mkdir(ROOT_INO, b"t", OWNER).unwrap();
    assert_eq!(fs.lookup(t, b".."), Ok(ROOT_INO));
    // Several blocks of entries: the index is built by the first lookup.
    for i in 0..300 {
        fs.create(a, format!("f{i}").as_bytes(), OWNER).unwrap();
    }
    assert_eq!(fs.create(a, b"f7", OWNER), Err(Error::Exists));
    assert_agrees(&mut fs, &[a, b], &[]);
    // Removals free room in early blocks; new names must reuse it.
    for i in (0..300).step_by(3) {
        let gone = fs.unlink(a, format!("f{i}").as_bytes()).unwrap();
        fs.release(gone.unwrap()).unwrap();
    }
    for i in 0..50 {
        fs.create(a, format!("longer-name-{i}").as_bytes(), OWNER).unwrap();
    }
    assert_agrees(&mut fs, &[a, b], &[]);
    // Renames within and across directories, over an existing name too.
    fs.rename(a, b"f1", a, b"f1-renamed").unwrap();
    fs.rename(a, b"f2", b, b"g2").unwrap();
    let gone = fs.rename(a, b"f4", a, b"f5").unwrap();
    fs.release(gone.unwrap()).unwrap();
    fs.exchange(a, b"f7", b, b"g2").unwrap();
    assert_agrees(&mut fs, &[a, b], &[]);
    // A directory moved to another parent: its `..` changes.
    let c = fs.mkdir(a, b"c", OWNER).unwrap();
    assert_eq!(fs.lookup(c, b".."), Ok(a));
    fs.rename(a, b"c", b, b"c").unwrap();
    assert_eq!(fs.lookup(c, b".."), Ok(b));
    assert_agrees(&mut fs, &[a, b, c], &[]);
    // Emptied and removed, its blocks go to new directories: none may
    // find the old index.
    for name in names(&mut fs, a).keys().filter(|n| !matches!(n.as_slice(), b"." | b"..")) {
        let gone = fs.unlink(a, name).unwrap();
        if let Some(ino) = gone {
            fs.release(ino).unwrap();
        }
    }
    let gone = fs.rmdir(ROOT_INO, b"a").unwrap();
    fs.release(gone.unwrap()).unwrap();
    assert_eq!(fs.lookup(ROOT_INO, b"a"), Err(Error::NotFound));
    let fresh_dirs: Vec<Ino> = (0..4).map(|i| fs.mkdir(ROOT_INO, format!("n{i}").as_bytes(), OWNER).unwrap()).collect();
    for &d in &fresh_dirs {
        assert_eq!(fs.lookup(d, b"f3"), Err(Error::NotFound));
        fs.create(d, b"only", OWNER).unwrap();
    }
    let mut all = fresh_dirs.clone();
    all.extend([ROOT_INO, b, c]);
    assert_agrees(&mut fs, &all, &[]);
    img.put(fs);
    img.assert_clean();
}

#[test]
fn kept_indirect_blocks_and_inode_follow_frees_and_reuse() {
    let Some(img) = image() else { return };
    let (mut fs, _) = img.mount();
    let big = fs.create(ROOT_INO, b"big", OWNER).unwrap();
    let other = fs.create(ROOT_INO, b"other", OWNER).unwrap();
    // Past the double indirect block (1 KiB blocks: 12 + 256 direct).
    let data = pattern(1, 400 << 10);
    assert_eq!(fs.write_at(big, 0, &data), Ok(data.len()));
    let mut back = vec![0; data.len()];
    assert_eq!(fs.read_at(big, 0, &mut back), Ok(data.len()));
    assert!(back == data);
    // Its indirect blocks are freed, then taken by another file's data.
    fs.truncate(big, 5 << 10).unwrap();
    let filler = pattern(2, 600 << 10);
    assert_eq!(fs.write_at(other, 0, &filler), Ok(filler.len()));
    assert_agrees(&mut fs, &[ROOT_INO], &[big, other]);
    // The first file grows again, through new indirect blocks.
    let more = pattern(3, 300 << 10);
    assert_eq!(fs.write_at(big, 100 << 10, &more), Ok(more.len()));
    fs.setattr(other, &SetAttr { size: Some(1 << 10), ..SetAttr::default() }).unwrap();
    assert_agrees(&mut fs, &[ROOT_INO], &[big, other]);
    // Freed and the number reused: the kept inode is the new one.
    let gone = fs.unlink(ROOT_INO, b"other").unwrap().unwrap();
    fs.release(gone).unwrap();
    let again = fs.create(ROOT_INO, b"again", OWNER).unwrap();
    assert_eq!(again, other);
    assert_eq!(fs.getattr(again).unwrap().size, 0);
    assert_agrees(&mut fs, &[ROOT_INO], &[big, again]);
    img.put(fs);
    img.assert_clean();
}

#[test]
fn reads_map_runs_across_holes_and_indirect_boundaries() {
    let Some(img) = image() else { return };
    let (mut fs, _) = img.mount();
    let f = fs.create(ROOT_INO, b"sparse", OWNER).unwrap();
    let mut model = vec![0u8; 700 << 10];
    // Pieces around the direct/indirect and indirect/double-indirect
    // edges (1 KiB blocks: 12, then 12 + 256), with holes between.
    for (seed, (at, len)) in [(10usize << 10, 5000usize), (40 << 10, 300 << 10), (500 << 10, 7), (600 << 10, 90 << 10)]
        .into_iter()
        .enumerate()
    {
        let data = pattern(seed as u8 + 7, len);
        assert_eq!(fs.write_at(f, at as u64, &data), Ok(len));
        model[at..at + len].copy_from_slice(&data);
    }
    let size = 690 << 10;
    model.truncate(size);
    for (at, len) in
        [(0, size), (1, size), (12 << 10, 256 << 10), (11 << 10, 3000), (267 << 10, 5 << 10), (499 << 10, 4096)]
    {
        let mut buf = vec![0xaa; len];
        let want = len.min(size - at);
        assert_eq!(fs.read_at(f, at as u64, &mut buf), Ok(want));
        assert!(buf[..want] == model[at..at + want], "read of {len} at {at}");
    }
    img.put(fs);
    img.assert_clean();
}
