//! fchown(2) and fchownat(2) (AT_SYMLINK_NOFOLLOW for lchown,
//! AT_EMPTY_PATH). Linux's rules: only root changes the owner; the owner
//! may change the group to one it belongs to; anything else is EPERM. A
//! non-directory loses its set-user-ID bit, and its set-group-ID bit when
//! group-executable, as on Linux.

use alloc::sync::Arc;

use kernel_abi::Errno;

use super::fs_util::{at_node, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
use super::SyscallResult;
use crate::fs::{Inode, SetAttr, S_IFDIR, S_IFMT};
use crate::process;

const KEEP: u32 = u32::MAX;
const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_IXGRP: u32 = 0o010;

pub fn sys_fchown(fd: u64, uid: u64, gid: u64) -> SyscallResult {
    let node = process::with_current(|p| p.fds.get(fd))??.node.clone();
    chown(&node, uid as u32, gid as u32)
}

pub fn sys_fchownat(dirfd: u64, path: u64, uid: u64, gid: u64, flags: u64) -> SyscallResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let node = at_node(dirfd, path, flags)?;
    chown(&node, uid as u32, gid as u32)
}

fn chown(node: &Arc<dyn Inode>, uid: u32, gid: u32) -> SyscallResult {
    let c = process::current_creds();
    let m = node.getattr()?;
    let uid_changes = uid != KEEP && uid != m.uid;
    let gid_changes = gid != KEEP && gid != m.gid;
    if c.euid != 0 {
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
