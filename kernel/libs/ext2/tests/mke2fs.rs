//! The crate against images made by mke2fs: it reads what mke2fs wrote,
//! and after it writes, e2fsck -fn is clean and debugfs sees the result.

mod common;

use common::{e2fsprogs, pattern, NOW};
use kernel_ext2::{Error, Ext2, FileType, Ino, MemDevice, NewInode, SetAttr, ROOT_INO};

const OWNER: NewInode = NewInode { perm: 0o644, uid: 1000, gid: 100 };
const DIR_OWNER: NewInode = NewInode { perm: 0o755, uid: 0, gid: 0 };

fn content_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("hello.txt"), b"hello, ext2\n").unwrap();
    std::fs::write(p.join("big.bin"), pattern(7, 300 * 1024)).unwrap();
    std::fs::create_dir(p.join("sub")).unwrap();
    std::fs::write(p.join("sub/inner.txt"), b"inner").unwrap();
    std::fs::hard_link(p.join("hello.txt"), p.join("sub/hello-link")).unwrap();
    std::os::unix::fs::symlink("hello.txt", p.join("fast-link")).unwrap();
    std::os::unix::fs::symlink("x".repeat(100), p.join("slow-link")).unwrap();
    dir
}

fn read_all(fs: &mut Ext2<MemDevice>, ino: Ino) -> Vec<u8> {
    let size = fs.getattr(ino).unwrap().size as usize;
    let mut buf = vec![0; size];
    assert_eq!(fs.read_at(ino, 0, &mut buf).unwrap(), size);
    buf
}

fn names(fs: &mut Ext2<MemDevice>, dir: Ino) -> Vec<String> {
    let mut out = Vec::new();
    fs.readdir(dir, 0, &mut |e| {
        out.push(String::from_utf8(e.name).unwrap());
        true
    })
    .unwrap();
    out.sort();
    out
}

/// Everything a VFS asks of the crate, on one block size.
fn round_trip(block_size: u32) {
    let Some(tools) = e2fsprogs() else { return };
    let content = content_dir();
    let image = tools.mkfs(block_size, 24 * 1024, Some(content.path()), &[]);
    let (mut fs, warnings) = image.mount();
    assert_eq!(warnings, []);

    // What mke2fs wrote reads back.
    let hello = fs.lookup(ROOT_INO, b"hello.txt").unwrap();
    assert_eq!(read_all(&mut fs, hello), b"hello, ext2\n");
    assert_eq!(fs.getattr(hello).unwrap().nlink, 2);
    let big = fs.lookup(ROOT_INO, b"big.bin").unwrap();
    assert_eq!(read_all(&mut fs, big), pattern(7, 300 * 1024));
    let fast = fs.lookup(ROOT_INO, b"fast-link").unwrap();
    assert_eq!(fs.readlink(fast).unwrap(), b"hello.txt");
    let slow = fs.lookup(ROOT_INO, b"slow-link").unwrap();
    assert_eq!(fs.readlink(slow).unwrap(), "x".repeat(100).as_bytes());
    let sub = fs.lookup(ROOT_INO, b"sub").unwrap();
    assert_eq!(fs.lookup(sub, b"..").unwrap(), ROOT_INO);
    assert_eq!(names(&mut fs, sub), [".", "..", "hello-link", "inner.txt"]);
    assert_eq!(fs.lookup(sub, b"hello-link").unwrap(), hello);
    assert_eq!(fs.lookup(ROOT_INO, b"nope"), Err(Error::NotFound));
    assert_eq!(fs.lookup(hello, b"x"), Err(Error::NotDir));

    // Files through every level of the block map, written in odd pieces.
    let file = fs.create(ROOT_INO, b"data", OWNER).unwrap();
    let data = pattern(1, 3 * 1024 * 1024 + 123);
    for chunk_start in (0..data.len()).step_by(777 * 1024 + 5) {
        let end = (chunk_start + 777 * 1024 + 5).min(data.len());
        assert_eq!(fs.write_at(file, chunk_start as u64, &data[chunk_start..end]).unwrap(), end - chunk_start);
    }
    assert_eq!(read_all(&mut fs, file), data);
    // Sparse: a few bytes far out (triple indirect on 1 KiB blocks).
    let sparse = fs.create(ROOT_INO, b"sparse", OWNER).unwrap();
    let far = 70 * 1024 * 1024 + 17;
    fs.write_at(sparse, far, b"far away").unwrap();
    fs.write_at(sparse, 5000, b"near").unwrap();
    let attr = fs.getattr(sparse).unwrap();
    assert_eq!(attr.size, far + 8);
    assert!(attr.blocks * 512 < 64 * 1024, "sparse file holds {} sectors", attr.blocks);
    let mut buf = vec![1; 16];
    fs.read_at(sparse, far - 8, &mut buf).unwrap();
    assert_eq!(&buf, b"\0\0\0\0\0\0\0\0far away");

    // Truncate frees blocks and zeroes the tail.
    let before = fs.statfs().free_blocks;
    fs.truncate(file, 100_001).unwrap();
    assert!(fs.statfs().free_blocks > before);
    fs.truncate(file, 200_000).unwrap();
    let got = read_all(&mut fs, file);
    assert_eq!(&got[..100_001], &data[..100_001]);
    assert!(got[100_001..].iter().all(|&b| b == 0));

    // Directories, links, symlinks, device nodes.
    let d1 = fs.mkdir(ROOT_INO, b"d1", DIR_OWNER).unwrap();
    let d2 = fs.mkdir(d1, b"d2", DIR_OWNER).unwrap();
    assert_eq!(fs.getattr(d1).unwrap().nlink, 3);
    assert_eq!(fs.mkdir(ROOT_INO, b"d1", DIR_OWNER), Err(Error::Exists));
    fs.link(file, d2, b"data-link").unwrap();
    assert_eq!(fs.getattr(file).unwrap().nlink, 2);
    assert_eq!(fs.link(d1, ROOT_INO, b"dirlink"), Err(Error::NotPermitted));
    let long_target = "/".to_string() + &"long/".repeat(40);
    fs.symlink(d2, b"long", long_target.as_bytes(), OWNER).unwrap();
    fs.symlink(d2, b"short", b"../data", OWNER).unwrap();
    fs.mknod(d2, b"null", FileType::CharDevice, OWNER, (1, 3)).unwrap();
    fs.mknod(d2, b"fifo", FileType::Fifo, OWNER, (0, 0)).unwrap();
    let many = fs.mkdir(ROOT_INO, b"many", DIR_OWNER).unwrap();
    for i in 0..300 {
        fs.create(many, format!("file-with-a-long-name-{i:04}").as_bytes(), OWNER).unwrap();
    }
    for i in (0..300).step_by(3) {
        let name = format!("file-with-a-long-name-{i:04}");
        let gone = fs.unlink(many, name.as_bytes()).unwrap().expect("one link");
        fs.release(gone).unwrap();
    }
    assert_eq!(names(&mut fs, many).len(), 200 + 2);

    // Rename: a directory across parents, over an empty directory, a file
    // over a file.
    fs.rename(d1, b"d2", ROOT_INO, b"moved").unwrap();
    assert_eq!(fs.lookup(d2, b"..").unwrap(), ROOT_INO);
    assert_eq!(fs.getattr(d1).unwrap().nlink, 2);
    assert_eq!(fs.rename(ROOT_INO, b"moved", d2, b"inside"), Err(Error::Invalid));
    let empty = fs.mkdir(ROOT_INO, b"empty", DIR_OWNER).unwrap();
    let replaced = fs.rename(ROOT_INO, b"d1", ROOT_INO, b"empty").unwrap();
    assert_eq!(replaced, Some(empty));
    fs.release(empty).unwrap();
    assert_eq!(fs.rename(ROOT_INO, b"hello.txt", ROOT_INO, b"empty"), Err(Error::IsDir));
    assert_eq!(fs.rename(ROOT_INO, b"moved", ROOT_INO, b"sub"), Err(Error::NotEmpty));
    let replaced = fs.rename(ROOT_INO, b"big.bin", sub, b"inner.txt").unwrap().expect("inner.txt had one link");
    fs.release(replaced).unwrap();
    assert_eq!(fs.rmdir(ROOT_INO, b"moved"), Err(Error::NotEmpty));

    // Attributes.
    let attr = fs
        .setattr(
            hello,
            &SetAttr {
                mode: Some(0o600),
                uid: Some(70_000),
                gid: Some(5),
                atime: Some(42),
                mtime: Some(43),
                ..SetAttr::default()
            },
        )
        .unwrap();
    assert_eq!((attr.mode, attr.uid, attr.gid, attr.atime, attr.mtime, attr.ctime), (0o100600, 70_000, 5, 42, 43, NOW));
    fs.setattr(hello, &SetAttr { ctime: Some(44), ..SetAttr::default() }).unwrap();
    fs.touch_atime(hello, 99, 0).unwrap();
    let attr = fs.getattr(hello).unwrap();
    assert_eq!((attr.atime, attr.mtime, attr.ctime), (99, 43, 44));
    let statfs = fs.statfs();
    image.put(fs);

    // The world outside agrees.
    eprintln!("{}", image.assert_clean());
    eprintln!("{}", image.debugfs("ls -l /"));
    assert_eq!(image.debugfs_cat("/data"), read_back(&data[..100_001], 200_000));
    assert_eq!(image.debugfs_cat("/moved/data-link").len(), 200_000);
    assert_eq!(image.debugfs_cat("/sub/inner.txt"), pattern(7, 300 * 1024));
    // (Not dumped: 70 MiB of holes.) debugfs sees the size and, on 1 KiB
    // blocks, the triple indirect block.
    let sparse_stat = image.debugfs("stat /sparse");
    assert!(sparse_stat.contains(&format!("Size: {}", far + 8)), "{sparse_stat}");
    assert_eq!(sparse_stat.contains("(TIND)"), block_size == 1024, "{sparse_stat}");
    let ls = image.debugfs("ls -l /moved");
    for name in ["data-link", "long", "short", "null", "fifo"] {
        assert!(ls.contains(name), "{name} missing from {ls}");
    }
    let stat = image.debugfs("stat /hello.txt");
    assert!(stat.contains("User: 70000") && stat.contains("Group:     5"), "{stat}");
    assert!(stat.contains("Mode:  0600"), "{stat}");
    assert!(image.debugfs("stat /moved/long").contains(&format!("Size: {}", long_target.len())));
    assert!(image.debugfs("stat /moved/null").contains("Device major/minor number: 01:03"));
    assert_eq!(image.stat_field("Free blocks").parse::<u64>().unwrap(), statfs.free_blocks);
    assert_eq!(image.stat_field("Free inodes").parse::<u64>().unwrap(), statfs.free_files);
    assert_eq!(image.stat_field("Filesystem state"), "clean");
}

fn read_back(prefix: &[u8], len: usize) -> Vec<u8> {
    let mut v = prefix.to_vec();
    v.resize(len, 0);
    v
}

#[test]
fn round_trip_1k_blocks() {
    round_trip(1024);
}

#[test]
fn round_trip_2k_blocks() {
    round_trip(2048);
}

#[test]
fn round_trip_4k_blocks() {
    round_trip(4096);
}

/// The disks the profiles boot: `data` is made by xtask's disk builder as
/// `mke2fs -t ext2 -d rootfs/disk-seed -L data -U .. -E root_owner=0:0,hash_seed=..`
/// on 64 MiB; `journal` is ext4, which we refuse (phase F needs its journal).
#[test]
fn the_profiles_disks() {
    let Some(tools) = e2fsprogs() else { return };
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../rootfs/disk-seed");
    let uuid = "8f0e3c52-1b7a-4d55-9a0e-6a3c2b1d0e4f";
    let extra = ["-L", "data", "-U", uuid, "-E", "root_owner=0:0,hash_seed=8f0e3c52-1b7a-4d55-9a0e-6a3c2b1d0e4f"];
    let image = tools.mkfs(0, 64 * 1024, Some(&seed), &extra);
    let (mut fs, warnings) = image.mount();
    assert_eq!(warnings, []);
    let hello = fs.lookup(ROOT_INO, b"hello.txt").unwrap();
    assert_eq!(read_all(&mut fs, hello), std::fs::read(seed.join("hello.txt")).unwrap());
    let f = fs.create(ROOT_INO, b"written", OWNER).unwrap();
    fs.write_at(f, 0, &pattern(3, 5 << 20)).unwrap();
    image.put(fs);
    image.assert_clean();
    assert_eq!(image.debugfs_cat("/written"), pattern(3, 5 << 20));

    let ext4 = e2fsprogs().unwrap().mkfs(0, 64 * 1024, None, &["-t", "ext4"]);
    let err = Ext2::mount(ext4.device(), common::options()).err().expect("ext4 mounted as ext2");
    assert!(matches!(err, Error::UnsupportedFeatures(bits) if bits & 0x40 != 0), "{err}");
    // extents
}
