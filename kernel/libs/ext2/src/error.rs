//! One error type for every filesystem operation, with the errno Linux's
//! ext2 returns in the same situation.

use core::fmt;

use kernel_abi::Errno;

use crate::device::DeviceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The device failed a transfer.
    Device(DeviceError),
    /// On-disk data contradicts itself (a bad directory entry, a block
    /// number past the end of the filesystem...). Linux says EUCLEAN on
    /// ext4 and EIO on ext2; we follow ext2.
    Corrupt(&'static str),
    /// No ext2 superblock (bad magic or impossible geometry).
    NotExt2(&'static str),
    /// Revision 0 filesystems (no feature flags, 128-byte inodes only) or a
    /// revision we do not know.
    UnsupportedRevision(u32),
    /// INCOMPAT features we cannot handle: mounting would misread the disk.
    UnsupportedFeatures(u32),
    NotFound,
    Exists,
    NotDir,
    IsDir,
    NotEmpty,
    NoSpace,
    NameTooLong,
    /// A bad argument: an empty name or one with '/', renaming a directory
    /// into itself, readlink of a non-symlink...
    Invalid,
    /// The filesystem is mounted read-only.
    ReadOnly,
    /// Past the largest size the block map can address.
    FileTooBig,
    /// ext2's 32000-link limit.
    TooManyLinks,
    /// Hard links to directories.
    NotPermitted,
}

impl Error {
    pub fn errno(self) -> Errno {
        match self {
            Error::Device(DeviceError::ReadOnly) => Errno::EROFS,
            Error::Device(_) | Error::Corrupt(_) => Errno::EIO,
            Error::NotExt2(_) | Error::UnsupportedRevision(_) | Error::UnsupportedFeatures(_) => Errno::EINVAL,
            Error::NotFound => Errno::ENOENT,
            Error::Exists => Errno::EEXIST,
            Error::NotDir => Errno::ENOTDIR,
            Error::IsDir => Errno::EISDIR,
            Error::NotEmpty => Errno::ENOTEMPTY,
            Error::NoSpace => Errno::ENOSPC,
            Error::NameTooLong => Errno::ENAMETOOLONG,
            Error::Invalid => Errno::EINVAL,
            Error::ReadOnly => Errno::EROFS,
            Error::FileTooBig => Errno::EFBIG,
            Error::TooManyLinks => Errno::EMLINK,
            Error::NotPermitted => Errno::EPERM,
        }
    }
}

impl From<DeviceError> for Error {
    fn from(e: DeviceError) -> Error {
        Error::Device(e)
    }
}

impl From<Error> for Errno {
    fn from(e: Error) -> Errno {
        e.errno()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Device(e) => write!(f, "device error: {e:?}"),
            Error::Corrupt(what) => write!(f, "filesystem corrupt: {what}"),
            Error::NotExt2(why) => write!(f, "not an ext2 filesystem: {why}"),
            Error::UnsupportedRevision(rev) => write!(f, "unsupported ext2 revision {rev}"),
            Error::UnsupportedFeatures(bits) => {
                write!(f, "couldn't mount because of unsupported optional features ({bits:#x})")
            }
            other => write!(f, "{}", other.errno().name()),
        }
    }
}

pub type Result<T> = core::result::Result<T, Error>;
