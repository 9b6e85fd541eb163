//! mkdirat(2).

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path};
use super::SyscallResult;
use crate::fs::{self, Inode};
use crate::process;

pub fn sys_mkdirat(dirfd: u64, path: u64, mode: u64) -> SyscallResult {
    let path = user_path(path)?;
    let base = base_dir(dirfd, &path)?;
    let (dir, name) = fs::resolve_parent(&base, &path)?;
    if dir.child(name).is_some() {
        return Err(Errno::EEXIST);
    }
    let creds = process::current_creds();
    fs::access::may_create(&dir, &creds)?;
    fs::check_space(0)?;
    let umask = process::with_current(|p| p.umask)?;
    let node = Inode::new_dir(dir.fs, mode as u32 & 0o7777 & !umask);
    fs::access::set_owner(&node, &dir, &creds);
    fs::insert(&dir, name, node)?;
    Ok(0)
}
