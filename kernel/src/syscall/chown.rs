//! fchown(2) and fchownat(2) (AT_SYMLINK_NOFOLLOW for lchown,
//! AT_EMPTY_PATH). Linux's rules: only root changes the owner; the owner
//! may change the group to one it belongs to; anything else is EPERM. A
//! non-directory loses its set-user-ID bit, and its set-group-ID bit when
//! group-executable, as on Linux.

use kernel_abi::Errno;

use super::args::{AtFlags, DirFd, Fd, UserCStr};
use super::current::{current, is_privileged};
use super::fs_util::{at_path, AtTarget};
use super::SyscallResult;
use crate::fs::{SetAttr, S_IFDIR, S_IFMT};

const KEEP: u32 = u32::MAX;
const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_IXGRP: u32 = 0o010;

/// `uid`/`gid`: `(uid_t)-1` keeps the id.
pub fn sys_fchown(fd: Fd, uid: u32, gid: u32) -> SyscallResult {
    chown(&AtTarget::of_file(&*current().file(fd)?), uid, gid)
}

/// `flags`: AT_SYMLINK_NOFOLLOW (lchown), AT_EMPTY_PATH; others EINVAL at
/// the boundary.
pub fn sys_fchownat(dirfd: DirFd, path: UserCStr, uid: u32, gid: u32, flags: AtFlags) -> SyscallResult {
    chown(&at_path(dirfd, path, flags)?, uid, gid)
}

fn chown(target: &AtTarget, uid: u32, gid: u32) -> SyscallResult {
    target.writable()?;
    let node = target.inode();
    let c = current().creds();
    let m = node.getattr()?;
    let uid_changes = uid != KEEP && uid != m.uid;
    let gid_changes = gid != KEEP && gid != m.gid;
    if !is_privileged(&c) {
        if uid_changes {
            return Err(Errno::EPERM);
        }
        if gid_changes && (c.euid != m.uid || !c.in_group(gid)) {
            return Err(Errno::EPERM);
        }
    }
    let mut change =
        SetAttr { uid: (uid != KEEP).then_some(uid), gid: (gid != KEEP).then_some(gid), ..Default::default() };
    if (uid != KEEP || gid != KEEP) && m.mode & S_IFMT != S_IFDIR {
        let mut perm = m.mode & 0o7777 & !S_ISUID;
        if perm & S_IXGRP != 0 {
            perm &= !S_ISGID;
        }
        change.perm = Some(perm);
    }
    node.setattr(&change)?;
    Ok(0)
}
