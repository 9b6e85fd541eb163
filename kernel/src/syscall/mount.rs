//! mount(2) of tmpfs, ramfs, proc, sysfs, devtmpfs and devpts (others:
//! ENODEV).

use alloc::string::String;

use kernel_abi::Errno;

use super::args::{user_path, UserCStr};
use super::current::current;
use super::SyscallResult;
use crate::fs;

/// Mount flags whose meaning is not implemented: refused (EINVAL) rather
/// than ignored. MS_NODEV 4, MS_NOEXEC 8, MS_REMOUNT 32, MS_NOSYMFOLLOW
/// 256, MS_BIND 4096, MS_MOVE 8192, MS_REC 16384, MS_POSIXACL 1<<16, the
/// propagation changes (MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED:
/// 1<<17..1<<20). Held: MS_RDONLY, MS_SYNCHRONOUS and MS_DIRSYNC (ext2
/// writes every change back before the call returns; memory filesystems
/// have nothing to write), MS_NOATIME, MS_NODIRATIME, MS_STRICTATIME
/// (else relatime, the default, so MS_RELATIME holds too), MS_NOSUID
/// (set-ID bits are never honoured), MS_LAZYTIME (times are written with
/// the next write-back anyway), MS_SILENT. (Linux ignores bits it does
/// not know.)
const UNSUPPORTED_FLAGS: u64 = 4 | 8 | 32 | 256 | 4096 | 8192 | 16384 | (0x1f << 16);
/// A read-only mount: changes through it fail with EROFS.
const MS_RDONLY: u64 = 1;
const MS_SYNCHRONOUS: u64 = 16;
const MS_DIRSYNC: u64 = 128;
const MS_NOATIME: u64 = 1024;
const MS_NODIRATIME: u64 = 2048;
const MS_STRICTATIME: u64 = 1 << 24;

pub fn sys_mount(source: UserCStr, target: UserCStr, fstype: UserCStr, flags: u64, data: UserCStr) -> SyscallResult {
    current().require_privileged()?; // CAP_SYS_ADMIN
    if flags & UNSUPPORTED_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    let source = if source.is_null() { "none".into() } else { user_path(source)? };
    let target = user_path(target)?;
    let fstype = user_path(fstype)?;
    // The options string: at most a page, like Linux copies.
    let options = if data.is_null() { String::new() } else { user_path(data)? };
    let flags = fs::MountFlags {
        readonly: flags & MS_RDONLY != 0,
        synchronous: flags & (MS_SYNCHRONOUS | MS_DIRSYNC) != 0,
        atime: kernel_vfs::AtimePolicy {
            noatime: flags & MS_NOATIME != 0,
            nodiratime: flags & MS_NODIRATIME != 0,
            strictatime: flags & MS_STRICTATIME != 0,
        },
    };
    fs::mount(&current().cwd(), &source, &target, &fstype, &options, flags)?;
    Ok(0)
}
