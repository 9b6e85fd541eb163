//! renameat(2) and renameat2(2) with RENAME_NOREPLACE (EEXIST) and
//! RENAME_EXCHANGE (both names swap; ENOENT unless both exist); both at
//! once and RENAME_WHITEOUT: EINVAL. The rules (permissions, the sticky
//! bit, EXDEV across mounts, EBUSY on mount points, EINVAL for a directory
//! moved into itself) are `kernel_vfs::Namespace::rename`'s.

use kernel_abi::Errno;
use kernel_vfs::Rename;

use super::args::{user_path, DirFd, RenameFlags, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs;

pub fn sys_renameat2(
    olddirfd: DirFd,
    oldpath: UserCStr,
    newdirfd: DirFd,
    newpath: UserCStr,
    flags: RenameFlags,
) -> SyscallResult {
    let how = if flags.is_empty() {
        Rename::Replace
    } else if flags == RenameFlags::NOREPLACE {
        Rename::NoReplace
    } else if flags == RenameFlags::EXCHANGE {
        Rename::Exchange
    } else {
        return Err(Errno::EINVAL);
    };
    let (old, new) = (user_path(oldpath)?, user_path(newpath)?);
    let op = fs::resolve_parent(&base_dir(olddirfd, &old)?, &old)?;
    let np = fs::resolve_parent(&base_dir(newdirfd, &new)?, &new)?;
    fs::check_space(0)?;
    fs::ns().rename(&op, &np, how, &current().creds())?;
    Ok(0)
}
