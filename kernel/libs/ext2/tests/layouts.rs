//! Layouts beyond a fresh mke2fs image: directories with an htree index
//! (written by e2fsck -D, as ext3/ext4 leave them), and a filesystem
//! inside a partition found by the kernel's partition parser.

mod common;

use common::{e2fsprogs, options, pattern};
use kernel_ext2::{BlockDevice, DeviceError, Ext2, MemDevice, NewInode, ROOT_INO, SECTOR_SIZE};

const OWNER: NewInode = NewInode { perm: 0o644, uid: 0, gid: 0 };

#[test]
fn indexed_directories_become_linear_when_changed() {
    let Some(tools) = e2fsprogs() else { return };
    let content = tempfile::tempdir().unwrap();
    std::fs::create_dir(content.path().join("big")).unwrap();
    for i in 0..400 {
        std::fs::write(content.path().join(format!("big/file-number-{i}")), i.to_string()).unwrap();
    }
    let image = tools.mkfs(1024, 8192, Some(content.path()), &[]);
    image.index_directories();
    assert!(image.debugfs("stat /big").contains("Flags: 0x1000"), "e2fsck -D did not index /big");

    let (mut fs, _) = image.mount();
    let big = fs.lookup(ROOT_INO, b"big").unwrap();
    let f = fs.lookup(big, b"file-number-123").unwrap();
    let mut buf = [0; 3];
    fs.read_at(f, 0, &mut buf).unwrap();
    assert_eq!(&buf, b"123");
    for i in 0..50 {
        fs.create(big, format!("added-{i}").as_bytes(), OWNER).unwrap();
    }
    for i in 0..400 {
        if i % 4 == 0 {
            let gone = fs.unlink(big, format!("file-number-{i}").as_bytes()).unwrap().unwrap();
            fs.release(gone).unwrap();
        }
    }
    for i in (0..400).step_by(4) {
        assert_eq!(fs.lookup(big, format!("file-number-{i}").as_bytes()), Err(kernel_ext2::Error::NotFound), "{i}");
    }
    image.put(fs);
    image.assert_clean();
    let stat = image.debugfs("stat /big");
    assert!(stat.contains("Flags: 0x0"), "index flag kept on a changed directory: {stat}");
    // `ls -l` lists a block's first record even when its inode is 0 (how
    // Linux and e2fsprogs delete a first entry); count the live ones.
    let ls = image.debugfs("ls -l /big");
    let names: Vec<&str> = ls
        .lines()
        .filter(|l| l.split_whitespace().next() != Some("0"))
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert!(names.contains(&"added-49") && names.contains(&"file-number-5"));
    assert!(!names.contains(&"file-number-4"));
    assert_eq!(names.iter().filter(|n| n.starts_with("file-number-")).count(), 300);
}

/// A window onto part of a device: what the kernel's `/dev/vda1` is.
struct Partition {
    disk: MemDevice,
    start: u64,
    sectors: u64,
}

impl BlockDevice for Partition {
    fn sector_count(&self) -> u64 {
        self.sectors
    }
    fn read_sectors(&mut self, first: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        if first + (buf.len() / SECTOR_SIZE) as u64 > self.sectors {
            return Err(DeviceError::OutOfRange);
        }
        self.disk.read_sectors(self.start + first, buf)
    }
    fn write_sectors(&mut self, first: u64, buf: &[u8]) -> Result<(), DeviceError> {
        if first + (buf.len() / SECTOR_SIZE) as u64 > self.sectors {
            return Err(DeviceError::OutOfRange);
        }
        self.disk.write_sectors(self.start + first, buf)
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.disk.flush()
    }
}

#[test]
fn filesystem_in_an_mbr_partition() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(4096, 4096, None, &[]);
    let fs_bytes = std::fs::read(&image.path).unwrap();
    // A disk: MBR with partition 1 at 1 MiB holding the filesystem, 1 MiB spare after.
    let start = 2048u64;
    let fs_sectors = (fs_bytes.len() / SECTOR_SIZE) as u64;
    let mut disk = vec![0u8; (start + fs_sectors + 2048) as usize * SECTOR_SIZE];
    disk[446 + 4] = 0x83;
    disk[446 + 8..446 + 12].copy_from_slice(&(start as u32).to_le_bytes());
    disk[446 + 12..446 + 16].copy_from_slice(&(fs_sectors as u32).to_le_bytes());
    disk[510..512].copy_from_slice(&[0x55, 0xAA]);
    disk[start as usize * SECTOR_SIZE..][..fs_bytes.len()].copy_from_slice(&fs_bytes);

    let table = kernel_partition::read_table(&mut disk.as_slice()).unwrap();
    let p = &table.partitions[0];
    let dev = Partition { disk: MemDevice::new(disk.clone()), start: p.start_lba, sectors: p.sectors };
    let (mut fs, _) = Ext2::mount(dev, options()).unwrap();
    let f = fs.create(ROOT_INO, b"in-partition", OWNER).unwrap();
    fs.write_at(f, 0, &pattern(4, 100_000)).unwrap();
    let dev = fs.unmount().unwrap();
    let disk = dev.disk.into_bytes();
    assert!(disk[..start as usize * SECTOR_SIZE] == disk_head(&disk), "wrote outside the partition");
    let inside = &disk[start as usize * SECTOR_SIZE..][..fs_bytes.len()];
    assert!(disk[(start + fs_sectors) as usize * SECTOR_SIZE..].iter().all(|&b| b == 0), "wrote past the partition");
    std::fs::write(&image.path, inside).unwrap();
    image.assert_clean();
    assert_eq!(image.debugfs_cat("/in-partition"), pattern(4, 100_000));
}

fn disk_head(disk: &[u8]) -> Vec<u8> {
    let mut head = vec![0u8; 2048 * SECTOR_SIZE];
    head[446..462].copy_from_slice(&disk[446..462]);
    head[510..512].copy_from_slice(&[0x55, 0xAA]);
    head
}
