//! The mounted filesystem: superblock, group descriptors and bitmaps held
//! in memory (written back by [`Ext2::sync`]), inodes and data read and
//! written through the device, and the mount-state rules Linux follows.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::allocate::Bitmap;
use crate::bytes::get32;
use crate::device::{BlockDevice, Disk};
use crate::error::{Error, Result};
use crate::inode::{Ino, Inode};
use crate::superblock::{
    feature, GroupDesc, Superblock, GROUP_DESC_SIZE, STATE_ERRORS, STATE_VALID, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE,
};

/// How to mount.
#[derive(Debug, Clone, Copy)]
pub struct MountOptions {
    /// Never write to the device.
    pub read_only: bool,
    /// Seconds since the epoch, for timestamps and the superblock's mount
    /// and write times.
    pub clock: fn() -> u32,
}

/// Something the caller should log once: Linux prints these as
/// `EXT2-fs (dev): warning: ...` at mount time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountWarning {
    /// `s_state` lacks VALID: not cleanly unmounted.
    Unchecked,
    /// `s_state` has ERRORS.
    HasErrors,
    /// The mount count reached `s_max_mnt_count`.
    MaxMountCount,
    /// The check interval since the last e2fsck passed.
    CheckTimeReached,
    /// Unknown RO_COMPAT features (the bits): mounted read-only.
    ReadOnlyFeatures(u32),
    /// Inodes on the orphan list (unlinked while open when the system went
    /// down) freed at mount.
    OrphansReleased(u32),
}

impl fmt::Display for MountWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountWarning::Unchecked => f.write_str("warning: mounting unchecked fs, running e2fsck is recommended"),
            MountWarning::HasErrors => f.write_str("warning: mounting fs with errors, running e2fsck is recommended"),
            MountWarning::MaxMountCount => {
                f.write_str("warning: maximal mount count reached, running e2fsck is recommended")
            }
            MountWarning::CheckTimeReached => f.write_str("warning: checktime reached, running e2fsck is recommended"),
            MountWarning::ReadOnlyFeatures(bits) => {
                write!(f, "couldn't mount RDWR because of unsupported optional features ({bits:#x}); mounted read-only")
            }
            MountWarning::OrphansReleased(n) => write!(f, "{n} orphan inode(s) released"),
        }
    }
}

/// Figures for statfs(2), as Linux's ext2_statfs reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatFs {
    pub block_size: u32,
    /// Blocks less the metadata overhead (superblocks, descriptors,
    /// bitmaps, inode tables).
    pub blocks: u64,
    pub free_blocks: u64,
    /// Free blocks less those reserved for root.
    pub avail_blocks: u64,
    pub files: u64,
    pub free_files: u64,
    pub name_max: u32,
    /// From the UUID, as Linux folds it.
    pub fsid: [u32; 2],
}

/// An indirect block's pointers, held parsed during an operation and a few after it.
pub(crate) struct IndBlock {
    pub(crate) entries: Vec<u32>,
    pub(crate) dirty: bool,
}

/// A mounted ext2 filesystem. Every operation takes `&mut self`: the
/// kernel serialises access with one lock per mount.
pub struct Ext2<D> {
    pub(crate) disk: Disk<D>,
    pub(crate) sb: Superblock,
    pub(crate) groups: Vec<GroupDesc>,
    gdt_raw: Vec<u8>,
    pub(crate) block_bitmaps: Vec<Option<Bitmap>>,
    pub(crate) inode_bitmaps: Vec<Option<Bitmap>>,
    pub(crate) ind: BTreeMap<u32, IndBlock>,
    /// Directories used last, indexed (`dirindex.rs`).
    pub(crate) dirs: crate::dirindex::DirIndexes,
    /// The inode read or written last (a reader reads the same inode
    /// call after call); every inode write goes through `write_inode`,
    /// which keeps it current.
    last_inode: Option<(Ino, Inode)>,
    pub(crate) read_only: bool,
    /// `s_state` as found at mount: restored at unmount, so an unchecked
    /// filesystem stays unchecked until e2fsck clears it (as Linux does).
    mount_state: u16,
    clock: fn() -> u32,
    next_generation: u32,
    pub(crate) bs: usize,
}

impl<D: BlockDevice> Ext2<D> {
    /// Mounts the filesystem on `dev`. Unknown INCOMPAT features refuse;
    /// unknown RO_COMPAT features mount read-only; a read-write mount
    /// bumps the mount count, records the mount time, marks the disk as
    /// in use and releases orphans left by a crash.
    pub fn mount(dev: D, options: MountOptions) -> Result<(Ext2<D>, Vec<MountWarning>)> {
        let mut disk = Disk::new(dev, SUPERBLOCK_SIZE);
        let mut raw = vec![0; SUPERBLOCK_SIZE];
        disk.read_bytes(SUPERBLOCK_OFFSET, &mut raw)?;
        let sb = Superblock::parse(&raw)?;
        let unknown_incompat = sb.feature_incompat & !feature::INCOMPAT_SUPPORTED;
        if unknown_incompat != 0 {
            return Err(Error::UnsupportedFeatures(unknown_incompat));
        }
        let bs = sb.block_size() as usize;
        let device_bytes = disk.dev.sector_count() * crate::device::SECTOR_SIZE as u64;
        if device_bytes < u64::from(sb.blocks_count) * bs as u64 {
            return Err(Error::NotExt2("filesystem larger than the device"));
        }
        disk.set_block_size(bs);
        let mut warnings = Vec::new();
        let mut read_only = options.read_only;
        let unknown_ro = sb.feature_ro_compat & !feature::RO_COMPAT_SUPPORTED;
        if unknown_ro != 0 && !read_only {
            warnings.push(MountWarning::ReadOnlyFeatures(unknown_ro));
            read_only = true;
        }

        let desc_blocks = sb.desc_blocks() as usize;
        let mut gdt_raw = vec![0; desc_blocks * bs];
        disk.read_blocks(sb.first_data_block + 1, &mut gdt_raw)?;
        let n = sb.groups() as usize;
        let groups: Vec<GroupDesc> =
            (0..n).map(|g| GroupDesc::parse(&gdt_raw[g * GROUP_DESC_SIZE..(g + 1) * GROUP_DESC_SIZE])).collect();
        let itb = sb.inode_table_blocks();
        for gd in &groups {
            let inside = |b: u32, len: u32| {
                b >= sb.first_data_block && u64::from(b) + u64::from(len) <= u64::from(sb.blocks_count)
            };
            if !inside(gd.block_bitmap, 1) || !inside(gd.inode_bitmap, 1) || !inside(gd.inode_table, itb) {
                return Err(Error::Corrupt("group descriptor points outside the filesystem"));
            }
        }

        // The superblock's free counts are the sums of the groups' (Linux's
        // ext2 counts them so at mount; they are stale after a crash).
        let mut sb = sb;
        sb.free_blocks = groups.iter().map(|g| u32::from(g.free_blocks)).fold(0, u32::saturating_add);
        sb.free_inodes = groups.iter().map(|g| u32::from(g.free_inodes)).fold(0, u32::saturating_add);
        let now = (options.clock)();
        let mount_state = sb.state;
        let mut fs = Ext2 {
            disk,
            groups,
            gdt_raw,
            block_bitmaps: (0..n).map(|_| None).collect(),
            inode_bitmaps: (0..n).map(|_| None).collect(),
            ind: BTreeMap::new(),
            dirs: Default::default(),
            last_inode: None,
            read_only,
            mount_state,
            clock: options.clock,
            next_generation: now,
            bs,
            sb,
        };
        if read_only {
            return Ok((fs, warnings));
        }
        if mount_state & STATE_VALID == 0 {
            warnings.push(MountWarning::Unchecked);
        } else if mount_state & STATE_ERRORS != 0 {
            warnings.push(MountWarning::HasErrors);
        } else if fs.sb.max_mount_count >= 0 && i32::from(fs.sb.mount_count) >= i32::from(fs.sb.max_mount_count) {
            warnings.push(MountWarning::MaxMountCount);
        } else if fs.sb.check_interval != 0 && fs.sb.last_check.saturating_add(fs.sb.check_interval) <= now {
            warnings.push(MountWarning::CheckTimeReached);
        }
        fs.sb.note_rw_mount(now);
        // While mounted read-write the disk says "not clean" (Linux's
        // ext2_sync_fs), so a crash is noticed at the next mount.
        fs.sb.state = mount_state & !STATE_VALID;
        fs.write_superblock()?;
        let released = fs.release_orphans()?;
        if released > 0 {
            warnings.push(MountWarning::OrphansReleased(released));
            fs.sync()?;
        }
        fs.disk.dev.flush()?;
        Ok((fs, warnings))
    }

    /// Writes everything back, restores the state found at mount (clean,
    /// unless it was not) and hands the device back.
    pub fn unmount(mut self) -> Result<D> {
        if !self.read_only {
            self.write_metadata()?;
            self.sb.state = self.mount_state;
            self.write_superblock()?;
            self.disk.dev.flush()?;
        }
        Ok(self.disk.dev)
    }

    /// Writes the bitmaps, group descriptors and superblock, then flushes
    /// the device. Data and inodes are written as operations run; after
    /// `sync` returns the disk is consistent (e2fsck finds nothing) though
    /// it stays marked in use until unmount.
    pub fn sync(&mut self) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        self.write_metadata()?;
        self.write_superblock()?;
        self.disk.dev.flush()?;
        Ok(())
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The device underneath (for the kernel's cache statistics, tests).
    pub fn device(&self) -> &D {
        &self.disk.dev
    }

    pub fn block_size(&self) -> u32 {
        self.bs as u32
    }

    pub fn statfs(&self) -> StatFs {
        let free = u64::from(self.sb.free_blocks);
        let reserved = u64::from(self.sb.r_blocks_count);
        let u = &self.sb.uuid;
        let word = |i: usize| get32(u, i);
        StatFs {
            block_size: self.bs as u32,
            blocks: u64::from(self.sb.blocks_count).saturating_sub(self.sb.overhead()),
            free_blocks: free,
            avail_blocks: free.saturating_sub(reserved),
            files: u64::from(self.sb.inodes_count),
            free_files: u64::from(self.sb.free_inodes),
            name_max: 255,
            fsid: [word(0) ^ word(8), word(4) ^ word(12)],
        }
    }

    /// Whether the filesystem is marked as having errors (found at mount,
    /// or met since).
    pub fn has_errors(&self) -> bool {
        self.mount_state & STATE_ERRORS != 0
    }

    /// Records corruption met by an operation, as Linux's ext2_error: the
    /// superblock says ERRORS at once (so the next mount and e2fsck know),
    /// and with `s_errors` = remount-ro (or panic, which a kernel must not
    /// do for a disk's content) the mount turns read-only.
    pub(crate) fn note_corruption(&mut self) {
        if self.read_only {
            return;
        }
        self.mount_state |= STATE_ERRORS;
        self.sb.state |= STATE_ERRORS;
        // Best effort: the operation already failed with the real error.
        let _ = self.write_superblock().and_then(|()| Ok(self.disk.dev.flush()?));
        if matches!(self.sb.errors_behaviour, 2 | 3) {
            // As a remount read-only does: everything out, the state found
            // at mount (plus ERRORS) back on disk.
            let _ = self.write_metadata();
            self.sb.state = self.mount_state;
            let _ = self.write_superblock().and_then(|()| Ok(self.disk.dev.flush()?));
            self.read_only = true;
        }
    }

    pub(crate) fn now(&self) -> u32 {
        (self.clock)()
    }

    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.read_only {
            Err(Error::ReadOnly)
        } else {
            Ok(())
        }
    }

    pub(crate) fn new_generation(&mut self) -> u32 {
        self.next_generation = self.next_generation.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        self.next_generation
    }

    fn write_metadata(&mut self) -> Result<()> {
        self.flush_indirect()?;
        for g in 0..self.groups.len() {
            let bb = self.groups[g].block_bitmap;
            let ib = self.groups[g].inode_bitmap;
            if let Some(bm) = self.block_bitmaps[g].as_mut().filter(|b| b.dirty) {
                bm.dirty = false;
                self.disk.write_blocks(bb, &bm.bytes)?;
            }
            if let Some(bm) = self.inode_bitmaps[g].as_mut().filter(|b| b.dirty) {
                bm.dirty = false;
                self.disk.write_blocks(ib, &bm.bytes)?;
            }
        }
        for (g, gd) in self.groups.iter().enumerate() {
            gd.store(&mut self.gdt_raw[g * GROUP_DESC_SIZE..(g + 1) * GROUP_DESC_SIZE]);
        }
        self.disk.write_blocks(self.sb.first_data_block + 1, &self.gdt_raw)?;
        Ok(())
    }

    fn write_superblock(&mut self) -> Result<()> {
        self.sb.write_time = self.now();
        let bytes = self.sb.encode().to_vec();
        self.disk.write_bytes(SUPERBLOCK_OFFSET, &bytes)?;
        Ok(())
    }

    // Inodes.

    fn inode_offset(&self, ino: Ino) -> Result<u64> {
        if ino == 0 || ino > self.sb.inodes_count {
            return Err(Error::Corrupt("inode number out of range"));
        }
        let index = ino - 1;
        let group = (index / self.sb.inodes_per_group) as usize;
        let slot = u64::from(index % self.sb.inodes_per_group);
        let table = u64::from(self.groups[group].inode_table);
        Ok(table * self.bs as u64 + slot * u64::from(self.sb.inode_size))
    }

    pub(crate) fn read_inode(&mut self, ino: Ino) -> Result<Inode> {
        let offset = self.inode_offset(ino)?;
        if let Some((last, inode)) = &self.last_inode {
            if *last == ino {
                return Ok(inode.clone());
            }
        }
        let mut raw = vec![0; usize::from(self.sb.inode_size)];
        self.disk.read_bytes(offset, &mut raw)?;
        let inode = Inode::from_raw(raw);
        self.last_inode = Some((ino, inode.clone()));
        Ok(inode)
    }

    pub(crate) fn write_inode(&mut self, ino: Ino, inode: &Inode) -> Result<()> {
        let offset = self.inode_offset(ino)?;
        self.last_inode = None;
        self.disk.write_bytes(offset, inode.raw())?;
        self.last_inode = Some((ino, inode.clone()));
        Ok(())
    }

    /// Reads an inode that must be in use (linked or orphaned).
    pub(crate) fn live_inode(&mut self, ino: Ino) -> Result<Inode> {
        let inode = self.read_inode(ino)?;
        if inode.mode() == 0 {
            return Err(Error::Corrupt("inode not in use"));
        }
        Ok(inode)
    }

    /// Sets the LARGE_FILE feature once a file passes 2 GiB, as Linux does.
    pub(crate) fn note_large_file(&mut self, size: u64) {
        if size > i32::MAX as u64 {
            self.sb.feature_ro_compat |= feature::RO_COMPAT_LARGE_FILE;
        }
    }
}
