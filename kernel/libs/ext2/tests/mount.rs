//! Mount state, counts and feature checks as Linux keeps them, the orphan
//! list across a crash, running out of space, readdir cookies.

mod common;

use common::{e2fsprogs, options, pattern};
use kernel_ext2::{Error, Ext2, MemDevice, MountOptions, MountWarning, NewInode, ROOT_INO};

const OWNER: NewInode = NewInode { perm: 0o644, uid: 0, gid: 0 };

fn patch_u32(dev: &mut MemDevice, offset: usize, f: impl Fn(u32) -> u32) -> MemDevice {
    let mut bytes = dev.bytes().to_vec();
    let v = u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap());
    bytes[offset..offset + 4].copy_from_slice(&f(v).to_le_bytes());
    MemDevice::new(bytes)
}

#[test]
fn mount_state_and_counts_follow_linux() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 4096, None, &[]);
    let count_before: u32 = image.stat_field("Mount count").parse().unwrap();

    let (mut fs, warnings) = image.mount();
    assert_eq!(warnings, []);
    fs.create(ROOT_INO, b"f", OWNER).unwrap();
    fs.sync().unwrap();
    // Synced but still mounted: consistent, marked in use.
    image.store(fs.device());
    assert_eq!(image.stat_field("Filesystem state"), "not clean");
    image.assert_clean();
    image.put(fs);
    assert_eq!(image.stat_field("Filesystem state"), "clean");
    assert_eq!(image.stat_field("Mount count").parse::<u32>().unwrap(), count_before + 1);
    assert!(image.debugfs("stats").contains("Last mount time:          Tue Nov 14 22:13:20 2023"));

    // A crash (no unmount) leaves it unclean: the next mount warns, and
    // the unmount after it keeps it unclean until e2fsck.
    let (mut fs, _) = image.mount();
    fs.create(ROOT_INO, b"g", OWNER).unwrap();
    fs.sync().unwrap();
    let crashed = fs.device().clone();
    drop(fs);
    let (fs, warnings) = Ext2::mount(crashed, options()).unwrap();
    assert_eq!(warnings, [MountWarning::Unchecked]);
    assert_eq!(warnings[0].to_string(), "warning: mounting unchecked fs, running e2fsck is recommended");
    let dev = fs.unmount().unwrap();
    image.store(&dev);
    assert_eq!(image.stat_field("Filesystem state"), "not clean");
    image.assert_clean();
}

#[test]
fn unknown_features_refuse_or_mount_read_only() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 2048, None, &[]);
    let mut dev = image.device();
    let incompat = patch_u32(&mut dev, 1024 + 96, |v| v | 0x8000);
    let err = Ext2::mount(incompat, options()).err().unwrap();
    assert_eq!(err, Error::UnsupportedFeatures(0x8000));
    assert_eq!(err.errno(), kernel_abi::Errno::EINVAL);

    let ro_compat = patch_u32(&mut dev, 1024 + 100, |v| v | 0x4000);
    let untouched = ro_compat.clone();
    let (mut fs, warnings) = Ext2::mount(ro_compat, options()).unwrap();
    assert_eq!(warnings, [MountWarning::ReadOnlyFeatures(0x4000)]);
    assert!(fs.is_read_only());
    assert_eq!(fs.create(ROOT_INO, b"f", OWNER), Err(Error::ReadOnly));
    assert!(fs.lookup(ROOT_INO, b"lost+found").is_ok());
    assert_eq!(fs.unmount().unwrap(), untouched, "a read-only mount wrote to the device");

    let (fs, _) = Ext2::mount(image.device(), MountOptions { read_only: true, ..options() }).unwrap();
    assert_eq!(fs.unmount().unwrap(), image.device());

    let mut garbage = image.device();
    let not_ext2 = patch_u32(&mut garbage, 1024 + 56, |_| 0);
    assert!(matches!(Ext2::mount(not_ext2, options()), Err(Error::NotExt2(_))));
}

#[test]
fn orphans_survive_a_crash_and_are_released_at_mount() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 4096, None, &[]);
    let (mut fs, _) = image.mount();
    let free_before = fs.statfs();
    let open = fs.create(ROOT_INO, b"open", OWNER).unwrap();
    fs.write_at(open, 0, &pattern(3, 500_000)).unwrap();
    let other = fs.create(ROOT_INO, b"other", OWNER).unwrap();
    fs.write_at(other, 0, b"x").unwrap();
    assert_eq!(fs.unlink(ROOT_INO, b"open").unwrap(), Some(open));
    assert_eq!(fs.unlink(ROOT_INO, b"other").unwrap(), Some(other));
    // Still open: readable. (`e2fsck -n` would report it now, as it does
    // for an open unlinked file on Linux: only a writing e2fsck or the
    // next mount walks the orphan list.)
    let mut buf = [0; 4];
    fs.read_at(open, 0, &mut buf).unwrap();
    assert_eq!(buf.as_slice(), &pattern(3, 4)[..]);
    fs.release(other).unwrap();
    fs.sync().unwrap();
    let crashed = fs.device().clone();
    drop(fs);

    let (fs, warnings) = Ext2::mount(crashed, options()).unwrap();
    assert_eq!(warnings, [MountWarning::Unchecked, MountWarning::OrphansReleased(1)]);
    let after = fs.statfs();
    assert_eq!((after.free_blocks, after.free_files), (free_before.free_blocks, free_before.free_files));
    image.put(fs);
    image.assert_clean();
}

#[test]
fn running_out_of_space_writes_what_fits() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 1024, None, &["-m", "0"]);
    let (mut fs, _) = image.mount();
    let f = fs.create(ROOT_INO, b"fill", OWNER).unwrap();
    let data = pattern(9, 2 * 1024 * 1024);
    let written = fs.write_at(f, 0, &data).unwrap();
    assert!(written > 0 && written < data.len(), "wrote {written}");
    assert_eq!(fs.statfs().free_blocks, 0);
    assert_eq!(fs.write_at(f, written as u64, b"more"), Err(Error::NoSpace));
    assert_eq!(fs.mkdir(ROOT_INO, b"d", OWNER), Err(Error::NoSpace));
    let mut check = vec![0; written];
    fs.read_at(f, 0, &mut check).unwrap();
    assert_eq!(check, data[..written]);
    image.put(fs);
    image.assert_clean();
    assert_eq!(image.debugfs_cat("/fill"), data[..written]);
}

#[test]
fn readdir_cookies_resume_without_repeats() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 2048, None, &[]);
    let (mut fs, _) = image.mount();
    let dir = fs.mkdir(ROOT_INO, b"d", OWNER).unwrap();
    for i in 0..150 {
        fs.create(dir, format!("n{i}").as_bytes(), OWNER).unwrap();
    }
    let mut seen = Vec::new();
    let mut cookie = 0;
    loop {
        let mut batch = Vec::new();
        fs.readdir(dir, cookie, &mut |e| {
            batch.push(e);
            batch.len() < 7
        })
        .unwrap();
        let Some(last) = batch.last() else { break };
        cookie = last.next;
        // Changes between batches: removed names are not returned later.
        if seen.len() == 70 {
            let gone = fs.unlink(dir, b"n149").unwrap().expect("one link");
            fs.release(gone).unwrap();
        }
        seen.extend(batch.into_iter().map(|e| String::from_utf8(e.name).unwrap()));
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "an entry came twice");
    assert_eq!(seen.len(), 2 + 149);
    assert!(!seen.contains(&"n149".to_string()));
    image.put(fs);
    image.assert_clean();
}

#[test]
fn corruption_marks_the_filesystem_with_errors() {
    let Some(tools) = e2fsprogs() else { return };
    for (behaviour, stays_writable) in [("continue", true), ("remount-ro", false)] {
        let image = tools_again(&tools).mkfs(1024, 2048, None, &["-e", behaviour]);
        let block: usize = image.debugfs("blocks /").trim().parse().unwrap();
        let mut bytes = image.device().into_bytes();
        // The root's first entry ("."): a record length of 0.
        bytes[block * 1024 + 4..block * 1024 + 6].fill(0);
        let (mut fs, warnings) = Ext2::mount(MemDevice::new(bytes), options()).unwrap();
        assert_eq!(warnings, []);
        assert!(!fs.has_errors());
        assert!(matches!(fs.lookup(ROOT_INO, b"x"), Err(Error::Corrupt(_))));
        assert!(fs.has_errors());
        assert_eq!(fs.is_read_only(), !stays_writable, "errors={behaviour}");
        // The superblock says so at once, before any sync (and a mount
        // turned read-only is no longer "in use").
        image.store(fs.device());
        let state = if stays_writable { "not clean with errors" } else { "clean with errors" };
        assert_eq!(image.stat_field("Filesystem state"), state);
        let dev = fs.unmount().unwrap();
        let (_, warnings) = Ext2::mount(dev, options()).unwrap();
        assert_eq!(warnings, [MountWarning::HasErrors]);
    }
}

fn tools_again(_: &common::Tools) -> common::Tools {
    e2fsprogs().unwrap()
}

#[test]
fn stale_superblock_free_counts_are_recounted_from_the_groups() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 2048, None, &[]);
    let (fs, _) = image.mount();
    let truth = fs.statfs();
    drop(fs);
    let mut dev = image.device();
    let stale = patch_u32(&mut dev, 1024 + 12, |v| v - 100);
    let stale = patch_u32(&mut stale.clone(), 1024 + 16, |v| v + 7);
    let (fs, _) = Ext2::mount(stale, options()).unwrap();
    assert_eq!((fs.statfs().free_blocks, fs.statfs().free_files), (truth.free_blocks, truth.free_files));
    image.put(fs);
    image.assert_clean();
}

#[test]
fn seek_data_and_hole_follow_the_block_map() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 4096, None, &[]);
    let (mut fs, _) = image.mount();
    let f = fs.create(ROOT_INO, b"sparse", OWNER).unwrap();
    // A 1 MiB hole, then 3 bytes (the conformance program's file).
    fs.write_at(f, 1 << 20, b"abc").unwrap();
    assert_eq!(fs.seek(f, 0, true).unwrap(), Some(1 << 20));
    assert_eq!(fs.seek(f, 0, false).unwrap(), Some(0));
    assert_eq!(fs.seek(f, (1 << 20) + 1, true).unwrap(), Some((1 << 20) + 1));
    assert_eq!(fs.seek(f, (1 << 20) + 1, false).unwrap(), Some((1 << 20) + 3));
    assert_eq!(fs.seek(f, 2 << 20, true).unwrap(), None);
    assert_eq!(fs.seek(f, 2 << 20, false).unwrap(), None);
    // Data then a hole at the end: SEEK_DATA past the data finds none.
    let g = fs.create(ROOT_INO, b"tail-hole", OWNER).unwrap();
    fs.write_at(g, 0, b"x").unwrap();
    fs.setattr(g, &kernel_ext2::SetAttr { size: Some(8192), ..Default::default() }).unwrap();
    assert_eq!(fs.seek(g, 0, true).unwrap(), Some(0));
    assert_eq!(fs.seek(g, 0, false).unwrap(), Some(1024));
    assert_eq!(fs.seek(g, 2000, true).unwrap(), None);
    image.put(fs);
    image.assert_clean();
}

#[test]
fn nanoseconds_are_kept_in_large_inodes() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 4096, None, &["-I", "256"]);
    let (mut fs, _) = image.mount();
    let f = fs.create(ROOT_INO, b"t", OWNER).unwrap();
    let change = kernel_ext2::SetAttr {
        atime: Some(1_000_000_000),
        atime_nsec: 111_000_000,
        mtime: Some(1_200_000_000),
        mtime_nsec: 222_000_000,
        ..Default::default()
    };
    fs.setattr(f, &change).unwrap();
    let a = fs.getattr(f).unwrap();
    assert_eq!(
        (a.atime, a.atime_nsec, a.mtime, a.mtime_nsec),
        (1_000_000_000, 111_000_000, 1_200_000_000, 222_000_000)
    );
    fs.touch_atime(f, 1_300_000_000, 5).unwrap();
    assert_eq!(fs.getattr(f).unwrap().atime_nsec, 5);
    image.put(fs);
    image.assert_clean();
    assert!(image.debugfs("stat /t").contains("atime: 0x4d7c6d00:00000014"));
}

#[test]
fn exchange_swaps_entries_and_fixes_parents() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(1024, 4096, None, &[]);
    let (mut fs, _) = image.mount();
    let dir = NewInode { perm: 0o755, uid: 0, gid: 0 };
    let f1 = fs.create(ROOT_INO, b"f1", OWNER).unwrap();
    let f2 = fs.create(ROOT_INO, b"f2", OWNER).unwrap();
    fs.exchange(ROOT_INO, b"f1", ROOT_INO, b"f2").unwrap();
    assert_eq!((fs.lookup(ROOT_INO, b"f1").unwrap(), fs.lookup(ROOT_INO, b"f2").unwrap()), (f2, f1));
    // A directory and a file in different parents trade places.
    let p = fs.mkdir(ROOT_INO, b"p", dir).unwrap();
    let d = fs.mkdir(ROOT_INO, b"d", dir).unwrap();
    fs.mkdir(d, b"inner", dir).unwrap();
    let g = fs.create(p, b"g", OWNER).unwrap();
    let root_links = fs.getattr(ROOT_INO).unwrap().nlink;
    fs.exchange(ROOT_INO, b"d", p, b"g").unwrap();
    assert_eq!(fs.lookup(p, b"g").unwrap(), d);
    assert_eq!(fs.lookup(ROOT_INO, b"d").unwrap(), g);
    assert_eq!(fs.lookup(d, b"..").unwrap(), p);
    assert_eq!(fs.getattr(ROOT_INO).unwrap().nlink, root_links - 1);
    assert_eq!(fs.getattr(p).unwrap().nlink, 3);
    assert_eq!(fs.exchange(ROOT_INO, b"f1", ROOT_INO, b"missing"), Err(Error::NotFound));
    image.put(fs);
    image.assert_clean();
}
