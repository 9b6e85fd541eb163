//! fchmod(2) and fchmodat(2): only the owner or root may change a mode
//! (EPERM); a caller outside the file's group loses the set-group-ID bit,
//! as Linux's `inode_change_ok`/`setattr_prepare` do.

use kernel_abi::Errno;

use super::args::{AtFlags, DirFd, Fd, UserCStr};
use super::current::{current, is_privileged};
use super::fs_util::{at_path, AtTarget};
use super::SyscallResult;
use crate::fs::SetAttr;

const S_ISGID: u32 = 0o2000;

pub fn sys_fchmod(fd: Fd, mode: u32) -> SyscallResult {
    chmod(&AtTarget::of_file(&*current().file(fd)?), mode)
}

/// fchmodat(2) has no flags argument (fchmodat2 is another syscall).
pub fn sys_fchmodat(dirfd: DirFd, path: UserCStr, mode: u32) -> SyscallResult {
    chmod(&at_path(dirfd, path, AtFlags::empty())?, mode)
}

fn chmod(target: &AtTarget, mode: u32) -> SyscallResult {
    target.writable()?;
    let node = target.inode();
    let c = current().creds();
    let m = node.getattr()?;
    if !c.owns(m.uid) {
        return Err(Errno::EPERM);
    }
    let mut perm = mode & 0o7777;
    if !is_privileged(&c) && !c.in_group(m.gid) {
        perm &= !S_ISGID;
    }
    node.setattr(&SetAttr { perm: Some(perm), ..Default::default() })?;
    Ok(0)
}
