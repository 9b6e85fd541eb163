//! mkdirat(2).

use super::fs_util::{base_dir, user_path};
use super::SyscallResult;
use crate::fs;
use crate::process;

pub fn sys_mkdirat(dirfd: u64, path: u64, mode: u64) -> SyscallResult {
    let path = user_path(path)?;
    let parent = fs::resolve_parent(&base_dir(dirfd, &path)?, &path)?;
    fs::check_space(0)?;
    let umask = process::with_current(|p| p.umask)?;
    fs::ns().mkdir(&parent, mode as u32 & 0o7777 & !umask, &process::current_creds())?;
    Ok(0)
}
