//! mount(2) of tmpfs, proc and devtmpfs (others: ENODEV), umount2(2).

use super::fs_util::user_path;
use super::SyscallResult;
use crate::fs;
use crate::process;

pub fn sys_mount(source: u64, target: u64, fstype: u64, _flags: u64, _data: u64) -> SyscallResult {
    let source = if source == 0 { "none".into() } else { user_path(source)? };
    let target = user_path(target)?;
    let fstype = user_path(fstype)?;
    let cwd = process::with_current(|p| p.cwd.clone())?;
    fs::mount(&cwd, &source, &target, &fstype)?;
    Ok(0)
}

pub fn sys_umount2(target: u64, _flags: u64) -> SyscallResult {
    let target = user_path(target)?;
    let cwd = process::with_current(|p| p.cwd.clone())?;
    fs::umount(&cwd, &target)?;
    Ok(0)
}
