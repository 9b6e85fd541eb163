//! tmpfs through the `Inode` trait: file data in pages (holes, truncate,
//! SEEK_DATA/SEEK_HOLE, ENOSPC), directories and their cookies, links.

use std::sync::Arc;

use kernel_abi::Errno;
use kernel_vfs::*;

const PAGE: u64 = PAGE_SIZE as u64;
const ROOT: Owner = Owner { uid: 0, gid: 0 };

fn clock() -> Time {
    Time { sec: 1_700_000_000, nsec: 0 }
}

fn fs(pages: usize) -> Arc<Tmpfs<VecPages>> {
    Tmpfs::new(7, VecPages::new(pages), clock, 0o755, ROOT)
}

fn file(fs: &Tmpfs<VecPages>, name: &str) -> Arc<dyn Inode> {
    fs.root().create(name, S_IFREG | 0o644, ROOT, (0, 0)).unwrap()
}

fn read_all(node: &dyn Inode) -> Vec<u8> {
    let mut buf = vec![0; node.getattr().unwrap().size as usize];
    assert_eq!(node.read_at(0, &mut buf).unwrap(), buf.len());
    buf
}

#[test]
fn data_spans_pages_and_reads_back() {
    let fs = fs(64);
    let f = file(&fs, "a");
    let data: Vec<u8> = (0..3 * PAGE as usize + 100).map(|i| (i % 251) as u8).collect();
    assert_eq!(f.write_at(10, &data).unwrap(), data.len());
    let attr = f.getattr().unwrap();
    assert_eq!(attr.size, 10 + data.len() as u64);
    assert_eq!(attr.blocks, 4 * PAGE / 512);
    assert_eq!(attr.dev, 7);
    let back = read_all(&*f);
    assert_eq!(&back[..10], &[0; 10]);
    assert_eq!(&back[10..], &data[..]);
    // A read past the end returns nothing; one across it is short.
    let mut buf = [0u8; 8];
    assert_eq!(f.read_at(attr.size, &mut buf).unwrap(), 0);
    assert_eq!(f.read_at(attr.size - 3, &mut buf).unwrap(), 3);
    assert_eq!(fs.pages().used(), 4);
}

#[test]
fn holes_take_no_pages_and_seek_finds_them() {
    let fs = fs(64);
    let f = file(&fs, "sparse");
    f.write_at(5 * PAGE + 7, b"data").unwrap();
    assert_eq!(fs.pages().used(), 1);
    assert_eq!(f.getattr().unwrap().size, 5 * PAGE + 11);
    let mut buf = vec![1u8; PAGE as usize];
    f.read_at(PAGE, &mut buf).unwrap();
    assert!(buf.iter().all(|&b| b == 0));
    assert_eq!(f.seek_data(0).unwrap(), 5 * PAGE);
    assert_eq!(f.seek_data(5 * PAGE + 9).unwrap(), 5 * PAGE + 9);
    assert_eq!(f.seek_hole(0).unwrap(), 0);
    assert_eq!(f.seek_hole(5 * PAGE).unwrap(), 5 * PAGE + 11, "the end counts as a hole");
    assert_eq!(f.seek_data(5 * PAGE + 11), Err(Errno::ENXIO));
    assert_eq!(f.seek_hole(6 * PAGE), Err(Errno::ENXIO));
    // Extending with truncate makes a hole at the end.
    f.setattr(&SetAttr { size: Some(10 * PAGE), ..Default::default() }).unwrap();
    assert_eq!(f.seek_hole(5 * PAGE).unwrap(), 6 * PAGE);
    assert_eq!(f.seek_data(6 * PAGE), Err(Errno::ENXIO));
}

#[test]
fn truncate_frees_pages_and_zeroes_the_tail() {
    let fs = fs(64);
    let f = file(&fs, "t");
    f.write_at(0, &vec![0xaa; 3 * PAGE as usize]).unwrap();
    f.setattr(&SetAttr { size: Some(PAGE + 10), ..Default::default() }).unwrap();
    assert_eq!(fs.pages().used(), 2);
    f.setattr(&SetAttr { size: Some(2 * PAGE), ..Default::default() }).unwrap();
    let back = read_all(&*f);
    assert!(back[..PAGE as usize + 10].iter().all(|&b| b == 0xaa));
    assert!(back[PAGE as usize + 10..].iter().all(|&b| b == 0), "bytes cut off read as zeros again");
    f.setattr(&SetAttr { size: Some(0), ..Default::default() }).unwrap();
    assert_eq!(fs.pages().used(), 0);
    assert_eq!(fs.root().setattr(&SetAttr { size: Some(0), ..Default::default() }), Err(Errno::EISDIR));
}

#[test]
fn running_out_of_pages_is_enospc_with_a_short_write_first() {
    let fs = fs(4);
    let f = file(&fs, "big");
    let chunk = vec![1u8; 3 * PAGE as usize];
    assert_eq!(f.write_at(0, &chunk).unwrap(), chunk.len());
    // One page left: the next write stops after it.
    assert_eq!(f.write_at(3 * PAGE, &chunk).unwrap(), PAGE as usize);
    assert_eq!(f.write_at(4 * PAGE, &chunk), Err(Errno::ENOSPC));
    // Overwriting what exists needs no new page.
    assert_eq!(f.write_at(0, &chunk).unwrap(), chunk.len());
    assert_eq!(fs.statfs().blocks_free, 0);
    // Unlinking the last name of an unused file gives its pages back.
    drop(f);
    fs.root().unlink("big").unwrap();
    assert_eq!(fs.pages().used(), 0);
}

#[test]
fn an_unlinked_file_lives_while_referenced() {
    let fs = fs(8);
    let f = file(&fs, "open");
    f.write_at(0, b"still here").unwrap();
    fs.root().unlink("open").unwrap();
    assert_eq!(f.getattr().unwrap().nlink, 0);
    assert_eq!(read_all(&*f), b"still here");
    assert_eq!(fs.pages().used(), 1);
    drop(f);
    assert_eq!(fs.pages().used(), 0);
}

#[test]
fn a_large_file_fills_its_budget() {
    // 8 MiB of data in 2048 pages, as `dd bs=1M count=8` would write it.
    let fs = fs(2048);
    let f = file(&fs, "dd");
    let mb = vec![0u8; 1 << 20];
    for i in 0..8 {
        assert_eq!(f.write_at(i << 20, &mb).unwrap(), mb.len());
    }
    assert_eq!(f.getattr().unwrap().size, 8 << 20);
    assert_eq!(f.write_at(8 << 20, &mb), Err(Errno::ENOSPC));
}

#[test]
fn too_large_offsets_are_efbig() {
    let fs = fs(8);
    let f = file(&fs, "f");
    assert_eq!(f.write_at(i64::MAX as u64, b"x"), Err(Errno::EFBIG));
    assert_eq!(f.setattr(&SetAttr { size: Some(u64::MAX), ..Default::default() }), Err(Errno::EFBIG));
}

fn names(dir: &dyn Inode, from: u64) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    dir.readdir(from, &mut |e| {
        out.push((e.name.to_string(), e.next));
        true
    })
    .unwrap();
    out
}

#[test]
fn readdir_cookies_survive_removal_and_insertion() {
    let fs = fs(8);
    let root = fs.root();
    for n in ["a", "b", "c", "d"] {
        file(&fs, n);
    }
    let all = names(&*root, 0);
    let listed: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(listed, [".", "..", "a", "b", "c", "d"]);
    // Stop after "b", remove what was read and one not yet read, add one.
    let resume = all[3].1;
    root.unlink("a").unwrap();
    root.unlink("c").unwrap();
    file(&fs, "e");
    let rest: Vec<String> = names(&*root, resume).into_iter().map(|(n, _)| n).collect();
    assert_eq!(rest, ["d", "e"]);
    assert_eq!(root.getattr().unwrap().size, 5 * 20);
}

#[test]
fn directories_count_links_and_dotdot_follows_renames() {
    let fs = fs(8);
    let root = fs.root();
    let a = root.mkdir("a", 0o755, ROOT).unwrap();
    let b = root.mkdir("b", 0o755, ROOT).unwrap();
    assert_eq!(root.getattr().unwrap().nlink, 4);
    a.mkdir("sub", 0o700, ROOT).unwrap();
    assert_eq!(a.getattr().unwrap().nlink, 3);
    root.rename("a", &*b, "moved").unwrap();
    assert_eq!(root.getattr().unwrap().nlink, 3);
    assert_eq!(b.getattr().unwrap().nlink, 3);
    let dotdot = names(&*a, 1)[0].clone();
    assert_eq!(dotdot.0, "..");
    let mut parent = 0;
    a.readdir(1, &mut |e| {
        parent = e.ino;
        false
    })
    .unwrap();
    assert_eq!(parent, b.ino());
    assert_eq!(b.rmdir("moved"), Err(Errno::ENOTEMPTY));
    a.rmdir("sub").unwrap();
    b.rmdir("moved").unwrap();
    assert_eq!(a.getattr().unwrap().nlink, 0);
    assert_eq!(b.getattr().unwrap().nlink, 2);
}

#[test]
fn rename_rules_at_the_inode_level() {
    let fs = fs(8);
    let root = fs.root();
    let d = root.mkdir("d", 0o755, ROOT).unwrap();
    let inner = d.mkdir("inner", 0o755, ROOT).unwrap();
    file(&fs, "f");
    root.mkdir("full", 0o755, ROOT).unwrap().mkdir("x", 0o755, ROOT).unwrap();
    root.mkdir("empty", 0o755, ROOT).unwrap();
    assert_eq!(root.rename("d", &*inner, "loop"), Err(Errno::EINVAL));
    assert_eq!(root.rename("d", &*d, "self"), Err(Errno::EINVAL));
    assert_eq!(root.rename("d", &*root, "f"), Err(Errno::ENOTDIR));
    assert_eq!(root.rename("f", &*root, "d"), Err(Errno::EISDIR));
    assert_eq!(root.rename("d", &*root, "full"), Err(Errno::ENOTEMPTY));
    root.rename("d", &*root, "empty").unwrap();
    assert!(root.lookup("d").is_err());
    assert_eq!(root.lookup("empty").unwrap().ino(), d.ino());
    assert_eq!(root.rename("nothing", &*root, "x"), Err(Errno::ENOENT));
    // Another tmpfs is another filesystem.
    let other = self::fs(8);
    assert_eq!(root.rename("f", &*other.root(), "f"), Err(Errno::EXDEV));
    assert_eq!(other.root().link("f", &*root.lookup("f").unwrap()), Err(Errno::EXDEV));
}

#[test]
fn hard_links_share_data_and_count() {
    let fs = fs(8);
    let root = fs.root();
    let f = file(&fs, "one");
    root.link("two", &*f).unwrap();
    assert_eq!(f.getattr().unwrap().nlink, 2);
    assert_eq!(root.link("two", &*f), Err(Errno::EEXIST));
    root.lookup("two").unwrap().write_at(0, b"shared").unwrap();
    assert_eq!(read_all(&*f), b"shared");
    root.unlink("one").unwrap();
    assert_eq!(f.getattr().unwrap().nlink, 1);
    // Renaming one name over another name of the same file does nothing.
    root.link("three", &*f).unwrap();
    root.rename("two", &*root, "three").unwrap();
    assert!(root.lookup("two").is_ok());
    let d = root.mkdir("d", 0o755, ROOT).unwrap();
    assert_eq!(root.link("dlink", &*d), Err(Errno::EPERM));
}

#[test]
fn special_nodes_and_symlinks_keep_what_they_were_made_with() {
    let fs = fs(8);
    let root = fs.root();
    let dev = root.create("null", S_IFCHR | 0o666, Owner { uid: 3, gid: 4 }, (1, 3)).unwrap();
    let a = dev.getattr().unwrap();
    assert_eq!((a.mode, a.rdev, a.uid, a.gid), (S_IFCHR | 0o666, (1, 3), 3, 4));
    assert_eq!(dev.read_at(0, &mut [0; 4]), Err(Errno::EINVAL));
    let l = root.symlink("l", "../target", ROOT).unwrap();
    assert_eq!(l.readlink().unwrap(), "../target");
    assert_eq!(l.getattr().unwrap().size, 9);
    assert_eq!(root.create("l", S_IFREG | 0o644, ROOT, (0, 0)).err(), Some(Errno::EEXIST));
    assert_eq!(root.read_at(0, &mut [0; 4]), Err(Errno::EISDIR));
    assert_eq!(dev.lookup("x").err(), Some(Errno::ENOTDIR));
}

#[test]
fn setattr_changes_only_what_it_names() {
    let fs = fs(8);
    let f = file(&fs, "f");
    f.setattr(&SetAttr {
        perm: Some(0o4711),
        uid: Some(5),
        mtime: Some(Time { sec: 9, nsec: 1 }),
        ..Default::default()
    })
    .unwrap();
    let a = f.getattr().unwrap();
    assert_eq!(a.mode, S_IFREG | 0o4711);
    assert_eq!((a.uid, a.gid), (5, 0));
    assert_eq!(a.mtime, Time { sec: 9, nsec: 1 });
    assert_eq!(a.atime, clock());
}

#[test]
fn touch_atime_sets_atime_alone_and_relatime_decides_when() {
    let fs = fs(8);
    let f = file(&fs, "f");
    let before = f.getattr().unwrap();
    f.touch_atime(Time { sec: 5, nsec: 0 }).unwrap();
    let a = f.getattr().unwrap();
    assert_eq!(a.atime, Time { sec: 5, nsec: 0 });
    assert_eq!((a.mtime, a.ctime), (before.mtime, before.ctime));
    let t = |sec| Time { sec, nsec: 0 };
    let relatime = kernel_vfs::AtimePolicy::default();
    // atime not after mtime or ctime: updated; later and recent: kept.
    assert!(relatime.needs_update(false, t(10), t(10), t(5), t(20)));
    assert!(relatime.needs_update(false, t(10), t(5), t(12), t(20)));
    assert!(!relatime.needs_update(false, t(10), t(5), t(5), t(20)));
    // A day old: updated; never to the same time.
    assert!(relatime.needs_update(false, t(10), t(5), t(5), t(10 + 86_400)));
    assert!(!relatime.needs_update(false, t(20), t(25), t(5), t(20)));
    let strict = kernel_vfs::AtimePolicy { strictatime: true, ..Default::default() };
    assert!(strict.needs_update(false, t(10), t(5), t(5), t(20)));
    let noatime = kernel_vfs::AtimePolicy { noatime: true, ..Default::default() };
    assert!(!noatime.needs_update(false, t(10), t(10), t(10), t(20)));
    let nodiratime = kernel_vfs::AtimePolicy { nodiratime: true, ..Default::default() };
    assert!(!nodiratime.needs_update(true, t(10), t(10), t(10), t(20)));
    assert!(nodiratime.needs_update(false, t(10), t(10), t(10), t(20)));
}

#[test]
fn a_size_limit_is_enospc_and_counts_in_statfs() {
    let fs = Tmpfs::with_limit(9, VecPages::new(100), clock, 0o1777, ROOT, Some(3));
    assert_eq!((fs.statfs().blocks, fs.statfs().blocks_free), (3, 3));
    let f = fs.root().create("f", S_IFREG | 0o644, ROOT, (0, 0)).unwrap();
    assert_eq!(f.write_at(0, &[1u8; 5 * PAGE_SIZE]).unwrap(), 3 * PAGE_SIZE);
    assert_eq!(f.write_at(3 * PAGE, b"x"), Err(Errno::ENOSPC));
    assert_eq!(fs.statfs().blocks_free, 0);
    // The provider has more; the limit is this filesystem's alone.
    assert_eq!(fs.pages().used(), 3);
    f.setattr(&SetAttr { size: Some(PAGE), ..Default::default() }).unwrap();
    assert_eq!(fs.used_pages(), 1);
    assert_eq!(fs.statfs().blocks_free, 2);
}

#[test]
fn fallocate_allocates_and_punches_holes() {
    let fs = fs(16);
    let f = file(&fs, "f");
    f.fallocate(Fallocate::Allocate { keep_size: false }, 100, 2 * PAGE).unwrap();
    assert_eq!(f.getattr().unwrap().size, 2 * PAGE + 100);
    assert_eq!(fs.pages().used(), 3);
    assert_eq!(f.seek_hole(0).unwrap(), 2 * PAGE + 100, "allocated pages are data");
    f.fallocate(Fallocate::Allocate { keep_size: true }, 0, 5 * PAGE).unwrap();
    assert_eq!(f.getattr().unwrap().size, 2 * PAGE + 100);
    assert_eq!(fs.pages().used(), 5);
    f.write_at(0, &vec![7u8; 3 * PAGE as usize]).unwrap();
    f.fallocate(Fallocate::PunchHole, 10, 2 * PAGE).unwrap();
    assert_eq!(fs.pages().used(), 4, "the one whole page in the range is freed");
    let back = read_all(&*f);
    assert!(back[..10].iter().all(|&b| b == 7));
    assert!(back[10..2 * PAGE as usize + 10].iter().all(|&b| b == 0));
    assert!(back[2 * PAGE as usize + 10..].iter().all(|&b| b == 7));
    assert_eq!(f.seek_hole(0).unwrap(), PAGE);
    assert_eq!(fs.root().fallocate(Fallocate::PunchHole, 0, 1), Err(Errno::EISDIR));
    let small = self::fs(1);
    let g = file(&small, "g");
    assert_eq!(g.fallocate(Fallocate::Allocate { keep_size: false }, 0, 2 * PAGE), Err(Errno::ENOSPC));
}
