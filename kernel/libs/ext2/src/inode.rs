//! On-disk inodes. The raw bytes (128 bytes or the larger `s_inode_size`)
//! are kept whole and fields are read and patched in place, so the parts
//! of a large inode we do not interpret (extra timestamps' epochs,
//! in-inode extended attributes) are preserved.

use alloc::vec;
use alloc::vec::Vec;

use crate::bytes::{get16, get32, put16, put32};

pub type Ino = u32;
/// The root directory's inode.
pub const ROOT_INO: Ino = 2;

/// Mode type bits (`S_IF*`).
pub const S_IFMT: u16 = 0o170000;
pub const S_IFSOCK: u16 = 0o140000;
pub const S_IFLNK: u16 = 0o120000;
pub const S_IFREG: u16 = 0o100000;
pub const S_IFBLK: u16 = 0o060000;
pub const S_IFDIR: u16 = 0o040000;
pub const S_IFCHR: u16 = 0o020000;
pub const S_IFIFO: u16 = 0o010000;

/// Pointers in `i_block`: 12 direct, then single, double, triple indirect.
pub(crate) const DIRECT: usize = 12;
pub(crate) const IND: usize = 12;
pub(crate) const DIND: usize = 13;
pub(crate) const TIND: usize = 14;
/// Bytes of `i_block`: a fast symlink's target fits in fewer.
pub(crate) const FAST_SYMLINK_MAX: usize = 59;

/// `i_flags` bit for htree-indexed directories; cleared when we change one,
/// as Linux's ext2 does, because we do not maintain the index.
pub(crate) const INDEX_FL: u32 = 0x1000;

/// The size of the fields through `i_crtime_extra` that e2fsprogs gives
/// new large inodes (`sizeof(struct ext2_inode_large) - 128`).
const EXTRA_ISIZE: u16 = 32;

/// The kind of file, from the mode's type bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl FileType {
    pub fn from_mode(mode: u16) -> Option<FileType> {
        Some(match mode & S_IFMT {
            S_IFREG => FileType::Regular,
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDevice,
            S_IFBLK => FileType::BlockDevice,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => return None,
        })
    }

    pub fn mode_bits(self) -> u16 {
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDevice => S_IFCHR,
            FileType::BlockDevice => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }

    /// The directory entry's `file_type` byte (`EXT2_FT_*`).
    pub(crate) fn dirent_code(self) -> u8 {
        match self {
            FileType::Regular => 1,
            FileType::Directory => 2,
            FileType::CharDevice => 3,
            FileType::BlockDevice => 4,
            FileType::Fifo => 5,
            FileType::Socket => 6,
            FileType::Symlink => 7,
        }
    }

    pub(crate) fn from_dirent_code(code: u8) -> Option<FileType> {
        Some(match code {
            1 => FileType::Regular,
            2 => FileType::Directory,
            3 => FileType::CharDevice,
            4 => FileType::BlockDevice,
            5 => FileType::Fifo,
            6 => FileType::Socket,
            7 => FileType::Symlink,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Inode {
    raw: Vec<u8>,
}

impl Inode {
    pub(crate) fn from_raw(raw: Vec<u8>) -> Inode {
        Inode { raw }
    }

    /// A fresh inode, as Linux's ext2 and e2fsprogs initialise one.
    pub(crate) fn new(size: usize, mode: u16, uid: u32, gid: u32, now: u32, generation: u32) -> Inode {
        let mut inode = Inode { raw: vec![0; size] };
        inode.set_mode(mode);
        inode.set_uid(uid);
        inode.set_gid(gid);
        inode.set_atime(now);
        inode.set_mtime(now);
        inode.set_ctime(now);
        put32(&mut inode.raw, 100, generation);
        if size > 128 {
            put16(&mut inode.raw, 128, EXTRA_ISIZE.min(size as u16 - 128));
        }
        inode
    }

    pub(crate) fn raw(&self) -> &[u8] {
        &self.raw
    }

    pub(crate) fn mode(&self) -> u16 {
        get16(&self.raw, 0)
    }
    pub(crate) fn set_mode(&mut self, mode: u16) {
        put16(&mut self.raw, 0, mode);
    }
    pub(crate) fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode())
    }
    pub(crate) fn is_dir(&self) -> bool {
        self.mode() & S_IFMT == S_IFDIR
    }

    pub(crate) fn uid(&self) -> u32 {
        u32::from(get16(&self.raw, 2)) | u32::from(get16(&self.raw, 120)) << 16
    }
    pub(crate) fn set_uid(&mut self, uid: u32) {
        put16(&mut self.raw, 2, uid as u16);
        put16(&mut self.raw, 120, (uid >> 16) as u16);
    }
    pub(crate) fn gid(&self) -> u32 {
        u32::from(get16(&self.raw, 24)) | u32::from(get16(&self.raw, 122)) << 16
    }
    pub(crate) fn set_gid(&mut self, gid: u32) {
        put16(&mut self.raw, 24, gid as u16);
        put16(&mut self.raw, 122, (gid >> 16) as u16);
    }

    pub(crate) fn size(&self) -> u64 {
        u64::from(get32(&self.raw, 4)) | u64::from(get32(&self.raw, 108)) << 32
    }
    pub(crate) fn set_size(&mut self, size: u64) {
        put32(&mut self.raw, 4, size as u32);
        put32(&mut self.raw, 108, (size >> 32) as u32);
    }

    pub(crate) fn atime(&self) -> u32 {
        get32(&self.raw, 8)
    }
    pub(crate) fn ctime(&self) -> u32 {
        get32(&self.raw, 12)
    }
    pub(crate) fn mtime(&self) -> u32 {
        get32(&self.raw, 16)
    }
    // A large inode's `*_extra` word (when `i_extra_isize` covers it)
    // holds nanoseconds (bits 2-31) and epoch bits (0-1, zero until 2038):
    // what Linux's ext4 driver, which Debian mounts ext2 with, keeps. A
    // 128-byte inode has whole seconds only.
    pub(crate) fn atime_nsec(&self) -> u32 {
        self.extra_nsec(140)
    }
    pub(crate) fn ctime_nsec(&self) -> u32 {
        self.extra_nsec(132)
    }
    pub(crate) fn mtime_nsec(&self) -> u32 {
        self.extra_nsec(136)
    }
    pub(crate) fn set_atime(&mut self, t: u32) {
        self.set_atime_ns(t, 0);
    }
    pub(crate) fn set_ctime(&mut self, t: u32) {
        self.set_ctime_ns(t, 0);
    }
    pub(crate) fn set_mtime(&mut self, t: u32) {
        self.set_mtime_ns(t, 0);
    }
    pub(crate) fn set_atime_ns(&mut self, t: u32, nsec: u32) {
        put32(&mut self.raw, 8, t);
        self.set_extra_time(140, nsec);
    }
    pub(crate) fn set_ctime_ns(&mut self, t: u32, nsec: u32) {
        put32(&mut self.raw, 12, t);
        self.set_extra_time(132, nsec);
    }
    pub(crate) fn set_mtime_ns(&mut self, t: u32, nsec: u32) {
        put32(&mut self.raw, 16, t);
        self.set_extra_time(136, nsec);
    }
    fn has_extra(&self, at: usize) -> bool {
        self.raw.len() >= at + 4 && usize::from(get16(&self.raw, 128)) + 128 >= at + 4
    }
    fn extra_nsec(&self, at: usize) -> u32 {
        if self.has_extra(at) {
            (get32(&self.raw, at) >> 2).min(999_999_999)
        } else {
            0
        }
    }
    fn set_extra_time(&mut self, at: usize, nsec: u32) {
        if self.has_extra(at) {
            put32(&mut self.raw, at, nsec.min(999_999_999) << 2);
        }
    }

    pub(crate) fn dtime(&self) -> u32 {
        get32(&self.raw, 20)
    }
    pub(crate) fn set_dtime(&mut self, t: u32) {
        put32(&mut self.raw, 20, t);
    }

    pub(crate) fn links(&self) -> u16 {
        get16(&self.raw, 26)
    }
    pub(crate) fn set_links(&mut self, n: u16) {
        put16(&mut self.raw, 26, n);
    }

    /// `i_blocks`: 512-byte sectors held, indirect blocks included.
    pub(crate) fn sectors(&self) -> u32 {
        get32(&self.raw, 28)
    }
    pub(crate) fn set_sectors(&mut self, n: u32) {
        put32(&mut self.raw, 28, n);
    }

    pub(crate) fn flags(&self) -> u32 {
        get32(&self.raw, 32)
    }
    pub(crate) fn set_flags(&mut self, f: u32) {
        put32(&mut self.raw, 32, f);
    }

    pub(crate) fn block(&self, i: usize) -> u32 {
        get32(&self.raw, 40 + 4 * i)
    }
    pub(crate) fn set_block(&mut self, i: usize, b: u32) {
        put32(&mut self.raw, 40 + 4 * i, b);
    }
    /// The 60 bytes of `i_block` (a fast symlink's target).
    pub(crate) fn block_bytes(&self) -> &[u8] {
        &self.raw[40..100]
    }
    pub(crate) fn block_bytes_mut(&mut self) -> &mut [u8] {
        &mut self.raw[40..100]
    }

    pub(crate) fn generation(&self) -> u32 {
        get32(&self.raw, 100)
    }

    /// The extended attribute block, if any.
    pub(crate) fn file_acl(&self) -> u32 {
        get32(&self.raw, 104)
    }
    pub(crate) fn set_file_acl(&mut self, b: u32) {
        put32(&mut self.raw, 104, b);
    }

    /// Device number of a character or block device node, decoded as
    /// Linux's ext2 stores it (old 8:8 format in `i_block[0]`, else the
    /// new 12:20 format in `i_block[1]`).
    pub(crate) fn rdev(&self) -> (u32, u32) {
        let old = self.block(0);
        if old != 0 {
            return ((old >> 8) & 0xff, old & 0xff);
        }
        let new = self.block(1);
        ((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00))
    }
    pub(crate) fn set_rdev(&mut self, major: u32, minor: u32) {
        if major < 256 && minor < 256 {
            self.set_block(0, (major << 8) | minor);
            self.set_block(1, 0);
        } else {
            self.set_block(0, 0);
            self.set_block(1, (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_use_linux_old_and_new_encodings() {
        for (major, minor) in [(1, 3), (8, 255), (8, 300), (259, 0), (4095, 1_048_575)] {
            let mut inode = Inode::new(128, S_IFCHR | 0o600, 0, 0, 0, 0);
            inode.set_rdev(major, minor);
            assert_eq!(inode.rdev(), (major, minor));
            // Small numbers take the old 8:8 form in i_block[0].
            assert_eq!(inode.block(0) != 0, major < 256 && minor < 256);
        }
    }

    #[test]
    fn ids_above_16_bits_use_the_high_halves() {
        let mut inode = Inode::new(256, S_IFREG, 70_000, 65_536, 5, 1);
        assert_eq!((inode.uid(), inode.gid()), (70_000, 65_536));
        inode.set_size(5 << 32 | 7);
        assert_eq!(inode.size(), 5 << 32 | 7);
        // A large inode records the extra fields e2fsprogs gives new ones.
        assert_eq!(crate::bytes::get16(inode.raw(), 128), 32);
    }
}
