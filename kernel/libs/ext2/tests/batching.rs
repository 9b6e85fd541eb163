//! The I/O shape the kernel's cache will see: a large sequential write
//! lands in consecutive blocks and reaches the device in few, large
//! calls; creating many small files costs a bounded number of calls each.
//! (Figures: `cargo test --release -p kernel-ext2 --test batching -- --nocapture`.)

mod common;

use std::time::Instant;

use common::{e2fsprogs, options, pattern};
use kernel_ext2::{BlockDevice, DeviceError, Ext2, MemDevice, NewInode, ROOT_INO};

const OWNER: NewInode = NewInode { perm: 0o644, uid: 0, gid: 0 };

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    reads: u64,
    writes: u64,
    written_sectors: u64,
}

struct Counting {
    inner: MemDevice,
    counts: Counts,
}

impl BlockDevice for Counting {
    fn sector_count(&self) -> u64 {
        self.inner.sector_count()
    }
    fn read_sectors(&mut self, first: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        self.counts.reads += 1;
        self.inner.read_sectors(first, buf)
    }
    fn write_sectors(&mut self, first: u64, buf: &[u8]) -> Result<(), DeviceError> {
        self.counts.writes += 1;
        self.counts.written_sectors += (buf.len() / 512) as u64;
        self.inner.write_sectors(first, buf)
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        self.inner.flush()
    }
}

/// The number of runs of consecutive blocks debugfs lists for a file
/// (`(0-11):1000-1011, (IND):1012, (12-1035):1013-2036` is one run).
fn block_runs(stat: &str) -> usize {
    let blocks = stat.split("BLOCKS:").nth(1).expect("no BLOCKS in debugfs stat");
    let blocks = blocks.split("TOTAL").next().unwrap().trim();
    let mut runs = 0;
    let mut last_end: Option<u64> = None;
    for item in blocks.split(", ") {
        let Some(phys) = item.split(':').nth(1) else { continue };
        let phys = phys.trim();
        let (start, end) = match phys.split_once('-') {
            Some((a, b)) => (a.parse::<u64>().unwrap(), b.trim().parse::<u64>().unwrap()),
            None => match phys.split_whitespace().next().and_then(|p| p.parse::<u64>().ok()) {
                Some(p) => (p, p),
                None => continue,
            },
        };
        if last_end.map(|e| e + 1) != Some(start) {
            runs += 1;
        }
        last_end = Some(end);
    }
    runs
}

#[test]
fn sequential_write_is_contiguous_and_batched() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(4096, 40 * 1024, None, &[]);
    let dev = Counting { inner: image.device(), counts: Counts::default() };
    let (mut fs, _) = Ext2::mount(dev, options()).unwrap();
    let data = pattern(5, 16 << 20);
    let before = fs.device().counts;
    let started = Instant::now();
    let f = fs.create(ROOT_INO, b"big", OWNER).unwrap();
    for chunk in data.chunks(1 << 20) {
        let offset = fs.getattr(f).unwrap().size;
        fs.write_at(f, offset, chunk).unwrap();
    }
    fs.sync().unwrap();
    let elapsed = started.elapsed();
    let c = fs.device().counts;
    let writes = c.writes - before.writes;
    let sectors = c.written_sectors - before.written_sectors;
    println!("16 MiB in 1 MiB writes + sync: {writes} device writes, {} KiB, {elapsed:?}", sectors / 2);
    // 16 data runs (one per call) plus an inode, a bitmap or an indirect
    // block now and then: nowhere near one call per block (4096), and the
    // data written once.
    assert!(writes < 120, "{writes} device writes");
    assert!(sectors < (16 << 20) / 512 + 400, "{sectors} sectors written");

    let started = Instant::now();
    let mut buf = vec![0; 1 << 20];
    let reads_before = fs.device().counts.reads;
    for (i, chunk) in data.chunks(1 << 20).enumerate() {
        fs.read_at(f, (i << 20) as u64, &mut buf).unwrap();
        assert!(buf == chunk);
    }
    let reads = fs.device().counts.reads - reads_before;
    println!("16 MiB read back in 1 MiB reads: {reads} device reads, {:?}", started.elapsed());
    assert!(reads < 200, "{reads} device reads");

    let dev = fs.unmount().unwrap();
    image.store(&dev.inner);
    image.assert_clean();
    let runs = block_runs(&image.debugfs("stat /big"));
    assert_eq!(runs, 1, "the file is in {runs} runs of blocks");
}

#[test]
fn many_small_files_cost_few_device_calls_each() {
    let Some(tools) = e2fsprogs() else { return };
    let image = tools.mkfs(4096, 16 * 1024, None, &[]);
    let dev = Counting { inner: image.device(), counts: Counts::default() };
    let (mut fs, _) = Ext2::mount(dev, options()).unwrap();
    let dir = fs.mkdir(ROOT_INO, b"d", OWNER).unwrap();
    let before = fs.device().counts;
    let started = Instant::now();
    for i in 0..1000 {
        let f = fs.create(dir, format!("f{i}").as_bytes(), OWNER).unwrap();
        fs.write_at(f, 0, b"small file contents\n").unwrap();
    }
    fs.sync().unwrap();
    let elapsed = started.elapsed();
    let c = fs.device().counts;
    let (reads, writes) = (c.reads - before.reads, c.writes - before.writes);
    println!("1000 small files + sync: {reads} device reads, {writes} device writes, {elapsed:?}");
    // create: inode, directory block, parent inode; write: data, inode.
    assert!(writes <= 1000 * 6 + 50, "{writes} device writes");
    let dev = fs.unmount().unwrap();
    image.store(&dev.inner);
    image.assert_clean();
}
