//! Host tools around the tests: images made by mke2fs, checked by e2fsck
//! and read back by debugfs (e2fsprogs). Tests skip, saying why, when the
//! tools are missing.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use kernel_ext2::{Ext2, MemDevice, MountOptions, MountWarning};

pub const NOW: u32 = 1_700_000_000;

pub fn clock() -> u32 {
    NOW
}

pub fn options() -> MountOptions {
    MountOptions { read_only: false, clock }
}

fn tool(name: &str) -> Option<PathBuf> {
    let dirs = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    dirs.into_iter().chain(["/sbin", "/usr/sbin"].map(PathBuf::from)).map(|d| d.join(name)).find(|p| p.is_file())
}

/// The e2fsprogs tools, or None after printing why the test is skipped.
pub fn e2fsprogs() -> Option<Tools> {
    match (tool("mke2fs"), tool("e2fsck"), tool("debugfs")) {
        (Some(mke2fs), Some(e2fsck), Some(debugfs)) => Some(Tools { mke2fs, e2fsck, debugfs }),
        _ => {
            eprintln!("skipped: mke2fs, e2fsck or debugfs (e2fsprogs) not installed");
            None
        }
    }
}

pub struct Tools {
    mke2fs: PathBuf,
    e2fsck: PathBuf,
    debugfs: PathBuf,
}

/// A filesystem image in a temporary directory.
pub struct Image {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    tools: Tools,
}

impl Tools {
    /// `mke2fs -t ext2 -b block_size` of `size_kib` KiB, filled from
    /// `content` if given; `extra` arguments come after (a `-t` there replaces ext2).
    pub fn mkfs(self, block_size: u32, size_kib: u64, content: Option<&Path>, extra: &[&str]) -> Image {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fs.img");
        let mut cmd = Command::new(&self.mke2fs);
        cmd.args(["-q", "-F"]);
        if !extra.contains(&"-t") {
            cmd.args(["-t", "ext2"]);
        }
        // 0: mke2fs's own choice for the size, as xtask's disk builder leaves it.
        if block_size != 0 {
            cmd.args(["-b", &block_size.to_string()]);
        }
        cmd.args(extra);
        if let Some(content) = content {
            cmd.arg("-d").arg(content);
        }
        cmd.arg(&path).arg(format!("{size_kib}k"));
        cmd.env("E2FSPROGS_FAKE_TIME", "1600000000");
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "mke2fs failed: {}", String::from_utf8_lossy(&out.stderr));
        Image { dir, path, tools: self }
    }
}

impl Image {
    pub fn device(&self) -> MemDevice {
        MemDevice::new(std::fs::read(&self.path).unwrap())
    }

    pub fn mount(&self) -> (Ext2<MemDevice>, Vec<MountWarning>) {
        Ext2::mount(self.device(), options()).unwrap()
    }

    pub fn store(&self, dev: &MemDevice) {
        std::fs::write(&self.path, dev.bytes()).unwrap();
    }

    /// Unmounts and writes the image back.
    pub fn put(&self, fs: Ext2<MemDevice>) {
        let dev = fs.unmount().unwrap();
        self.store(&dev);
    }

    /// `e2fsck -fn`: its output, asserting it found nothing.
    pub fn assert_clean(&self) -> String {
        let out = Command::new(&self.tools.e2fsck).arg("-fn").arg(&self.path).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "e2fsck -fn found problems:\n{text}");
        text
    }

    /// `e2fsck -fyD`: rebuilds directories, giving the large ones an htree
    /// index (as a filesystem used by ext3/ext4 would have).
    pub fn index_directories(&self) {
        let out = Command::new(&self.tools.e2fsck).arg("-fyD").arg(&self.path).output().unwrap();
        // 0: nothing to do, 1: changed (the rebuilt directories).
        assert!(matches!(out.status.code(), Some(0 | 1)), "e2fsck -fyD: {}", String::from_utf8_lossy(&out.stdout));
    }

    pub fn debugfs(&self, request: &str) -> String {
        let out = Command::new(&self.tools.debugfs).arg("-R").arg(request).arg(&self.path).output().unwrap();
        assert!(out.status.success(), "debugfs -R {request} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// File contents as debugfs reads them (binary-safe: `dump` to a file).
    pub fn debugfs_cat(&self, path: &str) -> Vec<u8> {
        let out = self.dir.path().join("dumped");
        let _ = std::fs::remove_file(&out);
        self.debugfs(&format!("dump {path} {}", out.display()));
        std::fs::read(&out).unwrap_or_else(|_| panic!("debugfs could not dump {path}"))
    }

    /// A superblock field as `debugfs -R stats` prints it.
    pub fn stat_field(&self, field: &str) -> String {
        let stats = self.debugfs("stats");
        stats
            .lines()
            .find_map(|l| l.strip_prefix(field).and_then(|r| r.strip_prefix(':')).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("no {field} in debugfs stats"))
    }
}

/// A deterministic byte pattern for file contents.
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).wrapping_add(u32::from(seed)).to_le_bytes()[3]).collect()
}
