//! mount(2) of tmpfs, ramfs, proc, sysfs, devtmpfs and devpts (others:
//! ENODEV), umount2(2).

use alloc::string::String;

use kernel_abi::Errno;

use super::fs_util::user_path;
use super::SyscallResult;
use crate::fs;
use crate::process;

/// Mount flags whose meaning is not implemented: refused (EINVAL) rather
/// than ignored. MS_RDONLY 1, MS_NODEV 4, MS_NOEXEC 8, MS_REMOUNT 32,
/// MS_BIND 4096, MS_MOVE 8192.
const UNSUPPORTED_FLAGS: u64 = 1 | 4 | 8 | 32 | 4096 | 8192;

pub fn sys_mount(source: u64, target: u64, fstype: u64, flags: u64, data: u64) -> SyscallResult {
    // CAP_SYS_ADMIN: only root (effective uid 0).
    if process::current_creds().euid != 0 {
        return Err(Errno::EPERM);
    }
    if flags & UNSUPPORTED_FLAGS != 0 {
        return Err(Errno::EINVAL);
    }
    let source = if source == 0 { "none".into() } else { user_path(source)? };
    let target = user_path(target)?;
    let fstype = user_path(fstype)?;
    // The options string: at most a page, like Linux copies.
    let options = if data == 0 { String::new() } else { user_path(data)? };
    fs::mount(&fs::cwd(), &source, &target, &fstype, &options)?;
    Ok(0)
}

pub fn sys_umount2(target: u64, _flags: u64) -> SyscallResult {
    // CAP_SYS_ADMIN: only root (effective uid 0).
    if process::current_creds().euid != 0 {
        return Err(Errno::EPERM);
    }
    let target = user_path(target)?;
    fs::umount(&fs::cwd(), &target)?;
    Ok(0)
}
