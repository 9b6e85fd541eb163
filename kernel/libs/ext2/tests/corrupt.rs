//! A damaged disk gives errors, never a panic: random bytes of the
//! metadata (superblock, descriptors, bitmaps, inode table, directories)
//! are overwritten, then the image is mounted, walked, read and written.

mod common;

use common::{e2fsprogs, options, pattern};
use kernel_ext2::{Ext2, FileType, Ino, MemDevice, NewInode, ROOT_INO};
use proptest::prelude::*;

const OWNER: NewInode = NewInode { perm: 0o644, uid: 0, gid: 0 };

fn walk(fs: &mut Ext2<MemDevice>, dir: Ino, depth: usize, budget: &mut usize) {
    if depth > 6 || *budget == 0 {
        return;
    }
    let mut entries = Vec::new();
    let _ = fs.readdir(dir, 0, &mut |e| {
        entries.push(e);
        entries.len() < 64
    });
    for e in entries {
        *budget = budget.saturating_sub(1);
        if e.name == b"." || e.name == b".." {
            continue;
        }
        let _ = fs.lookup(dir, &e.name);
        match fs.getattr(e.ino).map(|a| a.file_type) {
            Ok(FileType::Directory) => walk(fs, e.ino, depth + 1, budget),
            Ok(FileType::Symlink) => drop(fs.readlink(e.ino)),
            Ok(FileType::Regular) => {
                let mut buf = vec![0; 70_000];
                let _ = fs.read_at(e.ino, 0, &mut buf);
                let _ = fs.write_at(e.ino, 1000, b"overwrite");
                let _ = fs.truncate(e.ino, 10);
            }
            _ => {}
        }
    }
}

fn exercise(image: Vec<u8>) {
    let Ok((mut fs, _)) = Ext2::mount(MemDevice::new(image), options()) else { return };
    let _ = fs.statfs();
    let mut budget = 400;
    walk(&mut fs, ROOT_INO, 0, &mut budget);
    if let Ok(f) = fs.create(ROOT_INO, b"new-file", OWNER) {
        let _ = fs.write_at(f, 0, &pattern(1, 40_000));
        let _ = fs.rename(ROOT_INO, b"new-file", ROOT_INO, b"sub");
    }
    if let Ok(d) = fs.mkdir(ROOT_INO, b"new-dir", OWNER) {
        let _ = fs.rename(ROOT_INO, b"new-dir", d, b"x");
        let _ = fs.rmdir(ROOT_INO, b"new-dir");
    }
    if let Ok(Some(ino)) = fs.unlink(ROOT_INO, b"file") {
        let _ = fs.release(ino);
    }
    let _ = fs.sync();
    let _ = fs.unmount();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("EXT2_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_metadata_never_panics(damage in proptest::collection::vec((0usize..96 * 1024, any::<u8>()), 1..40)) {
        let Some(tools) = e2fsprogs() else { return Ok(()) };
        thread_local! {
            static IMAGE: Vec<u8> = {
                let tools = e2fsprogs().unwrap();
                let content = tempfile::tempdir().unwrap();
                std::fs::write(content.path().join("file"), pattern(2, 300_000)).unwrap();
                std::fs::create_dir_all(content.path().join("sub/deeper")).unwrap();
                std::fs::write(content.path().join("sub/deeper/small"), b"small").unwrap();
                std::os::unix::fs::symlink("sub/deeper/small", content.path().join("link")).unwrap();
                let image = tools.mkfs(1024, 2048, Some(content.path()), &[]);
                std::fs::read(&image.path).unwrap()
            };
        }
        drop(tools);
        let mut bytes = IMAGE.with(|i| i.clone());
        for (offset, value) in damage {
            bytes[offset] = value;
        }
        exercise(bytes);
    }
}
