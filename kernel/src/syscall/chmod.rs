//! fchmod(2) and fchmodat(2): only the owner or root may change a mode
//! (EPERM); a caller outside the file's group loses the set-group-ID bit,
//! as Linux's `inode_change_ok`/`setattr_prepare` do.

use alloc::sync::Arc;

use kernel_abi::Errno;

use super::fs_util::at_node;
use super::SyscallResult;
use crate::fs::{Inode, SetAttr};
use crate::process;

const S_ISGID: u32 = 0o2000;

pub fn sys_fchmod(fd: u64, mode: u64) -> SyscallResult {
    let node = process::with_current(|p| p.fds.get(fd))??.node.clone();
    chmod(&node, mode as u32)
}

/// fchmodat(2) has no flags argument (fchmodat2 is another syscall).
pub fn sys_fchmodat(dirfd: u64, path: u64, mode: u64) -> SyscallResult {
    let node = at_node(dirfd, path, 0)?;
    chmod(&node, mode as u32)
}

fn chmod(node: &Arc<dyn Inode>, mode: u32) -> SyscallResult {
    let c = process::current_creds();
    let m = node.getattr()?;
    if !c.owns(m.uid) {
        return Err(Errno::EPERM);
    }
    let mut perm = mode & 0o7777;
    if c.euid != 0 && !c.in_group(m.gid) {
        perm &= !S_ISGID;
    }
    node.setattr(&SetAttr { perm: Some(perm), ..Default::default() })?;
    Ok(0)
}
