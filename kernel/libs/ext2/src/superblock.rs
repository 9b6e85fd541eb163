//! The superblock and block group descriptors: geometry, feature flags,
//! free counts and mount state. The raw bytes are kept and only the
//! fields we change are patched back, so fields we do not interpret
//! (UUID, label, hash seed, e2fsck's bookkeeping) survive untouched.

use alloc::vec::Vec;

use crate::bytes::{get16, get32, put16, put32};
use crate::error::{Error, Result};

pub(crate) const SUPERBLOCK_OFFSET: u64 = 1024;
pub(crate) const SUPERBLOCK_SIZE: usize = 1024;
const MAGIC: u16 = 0xEF53;
pub(crate) const GROUP_DESC_SIZE: usize = 32;

/// `s_state` bits.
pub const STATE_VALID: u16 = 1;
pub const STATE_ERRORS: u16 = 2;

/// Linux sets an unset (zero) `s_max_mnt_count` to this on mount.
const DEFAULT_MAX_MOUNT_COUNT: i16 = 20;

pub mod feature {
    //! Feature bits this crate knows (`EXT2_FEATURE_*`).
    pub const INCOMPAT_FILETYPE: u32 = 0x0002;
    /// Everything we read and write correctly; any other INCOMPAT bit refuses the mount.
    pub const INCOMPAT_SUPPORTED: u32 = INCOMPAT_FILETYPE;
    pub const RO_COMPAT_SPARSE_SUPER: u32 = 0x0001;
    pub const RO_COMPAT_LARGE_FILE: u32 = 0x0002;
    /// Any other RO_COMPAT bit makes the mount read-only.
    pub const RO_COMPAT_SUPPORTED: u32 = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE;
}

#[derive(Debug, Clone)]
pub(crate) struct Superblock {
    raw: Vec<u8>,
    pub inodes_count: u32,
    pub blocks_count: u32,
    pub r_blocks_count: u32,
    pub free_blocks: u32,
    pub free_inodes: u32,
    pub first_data_block: u32,
    pub log_block_size: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub mount_time: u32,
    pub write_time: u32,
    pub mount_count: u16,
    pub max_mount_count: i16,
    pub state: u16,
    /// `s_errors`: what to do on corruption (1 continue, 2 remount
    /// read-only, 3 panic).
    pub errors_behaviour: u16,
    pub last_check: u32,
    pub check_interval: u32,
    pub first_ino: u32,
    pub inode_size: u16,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
    pub uuid: [u8; 16],
    pub last_orphan: u32,
}

impl Superblock {
    pub(crate) fn parse(raw: &[u8]) -> Result<Superblock> {
        if get16(raw, 56) != MAGIC {
            return Err(Error::NotExt2("bad magic number"));
        }
        let rev_level = get32(raw, 76);
        if rev_level != 1 {
            return Err(Error::UnsupportedRevision(rev_level));
        }
        let mut uuid = [0; 16];
        uuid.copy_from_slice(&raw[104..120]);
        let sb = Superblock {
            raw: raw.to_vec(),
            inodes_count: get32(raw, 0),
            blocks_count: get32(raw, 4),
            r_blocks_count: get32(raw, 8),
            free_blocks: get32(raw, 12),
            free_inodes: get32(raw, 16),
            first_data_block: get32(raw, 20),
            log_block_size: get32(raw, 24),
            blocks_per_group: get32(raw, 32),
            inodes_per_group: get32(raw, 40),
            mount_time: get32(raw, 44),
            write_time: get32(raw, 48),
            mount_count: get16(raw, 52),
            max_mount_count: get16(raw, 54) as i16,
            state: get16(raw, 58),
            errors_behaviour: get16(raw, 60),
            last_check: get32(raw, 64),
            check_interval: get32(raw, 68),
            first_ino: get32(raw, 84),
            inode_size: get16(raw, 88),
            feature_incompat: get32(raw, 96),
            feature_ro_compat: get32(raw, 100),
            uuid,
            last_orphan: get32(raw, 232),
        };
        sb.check_geometry()?;
        Ok(sb)
    }

    fn check_geometry(&self) -> Result<()> {
        let bad = |why| Err(Error::NotExt2(why));
        if self.log_block_size > 2 {
            return bad("block size above 4 KiB");
        }
        let bs = self.block_size();
        if self.blocks_per_group < 8 || !self.blocks_per_group.is_multiple_of(8) || self.blocks_per_group > 8 * bs {
            return bad("blocks per group");
        }
        if self.inodes_per_group == 0 || self.inodes_per_group > 8 * bs {
            return bad("inodes per group");
        }
        let isz = u32::from(self.inode_size);
        if isz < 128 || !isz.is_power_of_two() || isz > bs {
            return bad("inode size");
        }
        if self.first_data_block != u32::from(bs == 1024) {
            return bad("first data block");
        }
        if self.blocks_count <= self.first_data_block || self.first_ino < 11 || self.first_ino > self.inodes_count {
            return bad("block or inode count");
        }
        if u64::from(self.groups()) * u64::from(self.inodes_per_group) != u64::from(self.inodes_count) {
            return bad("inode count does not match the groups");
        }
        Ok(())
    }

    pub(crate) fn block_size(&self) -> u32 {
        1024 << self.log_block_size
    }

    pub(crate) fn groups(&self) -> u32 {
        (self.blocks_count - self.first_data_block).div_ceil(self.blocks_per_group)
    }

    pub(crate) fn has_ro_compat(&self, bit: u32) -> bool {
        self.feature_ro_compat & bit != 0
    }

    /// Blocks holding the group descriptor table (after each superblock copy).
    pub(crate) fn desc_blocks(&self) -> u32 {
        (self.groups() as usize * GROUP_DESC_SIZE).div_ceil(self.block_size() as usize) as u32
    }

    /// Whether group `g` holds a superblock copy (all groups without
    /// `sparse_super`; otherwise 0, 1 and powers of 3, 5 and 7).
    pub(crate) fn group_has_super(&self, g: u32) -> bool {
        if g <= 1 || !self.has_ro_compat(feature::RO_COMPAT_SPARSE_SUPER) {
            return true;
        }
        [3u32, 5, 7].iter().any(|&base| {
            let mut n = base;
            while n < g {
                n = n.saturating_mul(base);
            }
            n == g
        })
    }

    pub(crate) fn inode_table_blocks(&self) -> u32 {
        (self.inodes_per_group * u32::from(self.inode_size)).div_ceil(self.block_size())
    }

    /// Blocks of metadata as Linux's ext2_statfs counts them (bsddf).
    pub(crate) fn overhead(&self) -> u64 {
        let mut overhead = u64::from(self.first_data_block);
        for g in 0..self.groups() {
            if self.group_has_super(g) {
                overhead += 1 + u64::from(self.desc_blocks());
            }
        }
        overhead + u64::from(self.groups()) * (2 + u64::from(self.inode_table_blocks()))
    }

    /// The effect of a read-write mount on the counters, as Linux's
    /// ext2_setup_super and ext2_sync_fs apply it.
    pub(crate) fn note_rw_mount(&mut self, now: u32) {
        if self.max_mount_count == 0 {
            self.max_mount_count = DEFAULT_MAX_MOUNT_COUNT;
        }
        self.mount_count = self.mount_count.wrapping_add(1);
        self.mount_time = now;
    }

    /// The bytes to write back.
    pub(crate) fn encode(&mut self) -> &[u8] {
        let r = &mut self.raw;
        put32(r, 12, self.free_blocks);
        put32(r, 16, self.free_inodes);
        put32(r, 44, self.mount_time);
        put32(r, 48, self.write_time);
        put16(r, 52, self.mount_count);
        put16(r, 54, self.max_mount_count as u16);
        put16(r, 58, self.state);
        put32(r, 100, self.feature_ro_compat);
        put32(r, 232, self.last_orphan);
        &self.raw
    }
}

/// One block group's descriptor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GroupDesc {
    pub block_bitmap: u32,
    pub inode_bitmap: u32,
    pub inode_table: u32,
    pub free_blocks: u16,
    pub free_inodes: u16,
    pub used_dirs: u16,
}

impl GroupDesc {
    pub(crate) fn parse(raw: &[u8]) -> GroupDesc {
        GroupDesc {
            block_bitmap: get32(raw, 0),
            inode_bitmap: get32(raw, 4),
            inode_table: get32(raw, 8),
            free_blocks: get16(raw, 12),
            free_inodes: get16(raw, 14),
            used_dirs: get16(raw, 16),
        }
    }

    /// Patches the counters into `raw` (the other fields never change).
    pub(crate) fn store(&self, raw: &mut [u8]) {
        put16(raw, 12, self.free_blocks);
        put16(raw, 14, self.free_inodes);
        put16(raw, 16, self.used_dirs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::{put16, put32};

    /// A superblock for 1 KiB blocks, 8192 blocks and 256 inodes a group.
    fn raw(groups: u32, ro_compat: u32) -> Vec<u8> {
        let mut r = alloc::vec![0u8; SUPERBLOCK_SIZE];
        put32(&mut r, 0, groups * 256);
        put32(&mut r, 4, 1 + groups * 8192);
        put32(&mut r, 20, 1);
        put32(&mut r, 32, 8192);
        put32(&mut r, 40, 256);
        put16(&mut r, 56, MAGIC);
        put32(&mut r, 76, 1);
        put32(&mut r, 84, 11);
        put16(&mut r, 88, 128);
        put32(&mut r, 100, ro_compat);
        r
    }

    #[test]
    fn sparse_super_keeps_copies_in_groups_0_1_and_powers_of_3_5_7() {
        let sb = Superblock::parse(&raw(400, feature::RO_COMPAT_SPARSE_SUPER)).unwrap();
        let with: Vec<u32> = (0..400).filter(|&g| sb.group_has_super(g)).collect();
        assert_eq!(with, [0, 1, 3, 5, 7, 9, 25, 27, 49, 81, 125, 243, 343]);
        let dense = Superblock::parse(&raw(10, 0)).unwrap();
        assert!((0..10).all(|g| dense.group_has_super(g)));
    }

    #[test]
    fn overhead_counts_superblocks_descriptors_bitmaps_and_inode_tables() {
        let sb = Superblock::parse(&raw(4, feature::RO_COMPAT_SPARSE_SUPER)).unwrap();
        // Groups 0, 1, 3 hold a superblock and one descriptor block; every
        // group has two bitmaps and 256 * 128 / 1024 = 32 inode table blocks.
        assert_eq!(sb.overhead(), 1 + 3 * 2 + 4 * (2 + 32));
    }

    #[test]
    fn impossible_geometry_is_not_ext2() {
        let mut r = raw(4, 0);
        put32(&mut r, 32, 0);
        assert!(matches!(Superblock::parse(&r), Err(Error::NotExt2(_))));
        let mut r = raw(4, 0);
        put32(&mut r, 0, 5);
        assert!(matches!(Superblock::parse(&r), Err(Error::NotExt2(_))));
        let mut r = raw(4, 0);
        put32(&mut r, 76, 0);
        assert_eq!(Superblock::parse(&r).err(), Some(Error::UnsupportedRevision(0)));
    }
}
