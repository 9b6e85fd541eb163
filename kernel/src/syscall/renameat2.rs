//! renameat(2) and renameat2(2). RENAME_NOREPLACE, RENAME_EXCHANGE and
//! RENAME_WHITEOUT are not implemented: EINVAL, like the unknown bits the
//! boundary rejects.

use alloc::sync::Arc;

use kernel_abi::Errno;

use super::args::{user_path, DirFd, RenameFlags, UserCStr};
use super::current::current;
use super::fs_util::base_dir;
use super::SyscallResult;
use crate::fs::{self, Inode};

pub fn sys_renameat2(
    olddirfd: DirFd,
    oldpath: UserCStr,
    newdirfd: DirFd,
    newpath: UserCStr,
    flags: RenameFlags,
) -> SyscallResult {
    if !flags.is_empty() {
        return Err(Errno::EINVAL);
    }
    let (old, new) = (user_path(oldpath)?, user_path(newpath)?);
    let (obase, nbase) = (base_dir(olddirfd, &old)?, base_dir(newdirfd, &new)?);
    let (odir, oname) = fs::resolve_parent(&obase, &old)?;
    let (ndir, nname) = fs::resolve_parent(&nbase, &new)?;
    may_rename(&odir, oname, &ndir, nname)?;
    fs::rename(&odir, oname, &ndir, nname)?;
    Ok(0)
}

/// Linux's checks for rename: removing the old entry (`may_delete`, the
/// sticky rule included), replacing or creating the new one, and write
/// permission on a directory that changes parent (its `..` changes).
fn may_rename(odir: &Arc<Inode>, oname: &str, ndir: &Arc<Inode>, nname: &str) -> Result<(), Errno> {
    let creds = current().creds();
    let node = odir.child(oname).ok_or(Errno::ENOENT)?;
    fs::access::may_delete(odir, &node, &creds)?;
    match ndir.child(nname) {
        Some(existing) => fs::access::may_delete(ndir, &existing, &creds)?,
        None => fs::access::may_create(ndir, &creds)?,
    }
    if node.is_dir() && !Arc::ptr_eq(odir, ndir) {
        fs::access::check(&node, &creds, kernel_perm::MAY_WRITE)?;
    }
    Ok(())
}
