//! fchown(2) and fchownat(2) (AT_SYMLINK_NOFOLLOW for lchown,
//! AT_EMPTY_PATH). Linux's rules: only root changes the owner; the owner
//! may change the group to one it belongs to; anything else is EPERM. A
//! non-directory loses its set-user-ID bit, and its set-group-ID bit when
//! group-executable, as on Linux.

use alloc::sync::Arc;

use kernel_abi::Errno;

use super::args::{AtFlags, DirFd, Fd, UserCStr};
use super::current::{current, is_privileged};
use super::fs_util::at_node;
use super::SyscallResult;
use crate::fs::inode::{S_IFDIR, S_IFMT};
use crate::fs::Inode;

const KEEP: u32 = u32::MAX;
const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_IXGRP: u32 = 0o010;

/// `uid`/`gid`: `(uid_t)-1` keeps the id.
pub fn sys_fchown(fd: Fd, uid: u32, gid: u32) -> SyscallResult {
    chown(&current().file(fd)?.node, uid, gid)
}

/// `flags`: AT_SYMLINK_NOFOLLOW (lchown), AT_EMPTY_PATH; others EINVAL at
/// the boundary.
pub fn sys_fchownat(dirfd: DirFd, path: UserCStr, uid: u32, gid: u32, flags: AtFlags) -> SyscallResult {
    chown(&at_node(dirfd, path, flags)?, uid, gid)
}

fn chown(node: &Arc<Inode>, uid: u32, gid: u32) -> SyscallResult {
    let c = current().creds();
    let mut m = node.meta.lock();
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
    if uid != KEEP {
        m.uid = uid;
    }
    if gid != KEEP {
        m.gid = gid;
    }
    if (uid != KEEP || gid != KEEP) && m.mode & S_IFMT != S_IFDIR {
        m.mode &= !S_ISUID;
        if m.mode & S_IXGRP != 0 {
            m.mode &= !S_ISGID;
        }
    }
    Ok(0)
}
