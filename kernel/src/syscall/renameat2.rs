//! renameat(2) and renameat2(2) (flags 0 only; RENAME_NOREPLACE/EXCHANGE: EINVAL).
//! The rules (permissions, the sticky bit, EXDEV across mounts, EBUSY on
//! mount points, EINVAL for a directory moved into itself) are
//! `kernel_vfs::Namespace::rename`'s.

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path};
use super::SyscallResult;
use crate::fs;

pub fn sys_renameat2(olddirfd: u64, oldpath: u64, newdirfd: u64, newpath: u64, flags: u64) -> SyscallResult {
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let (old, new) = (user_path(oldpath)?, user_path(newpath)?);
    let (obase, nbase) = (base_dir(olddirfd, &old)?, base_dir(newdirfd, &new)?);
    let op = fs::resolve_parent(&obase, &old)?;
    let np = fs::resolve_parent(&nbase, &new)?;
    fs::check_space(0)?;
    fs::ns().rename(&op, &np, &crate::process::current_creds())?;
    Ok(0)
}
