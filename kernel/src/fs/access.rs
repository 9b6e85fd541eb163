//! Permission checks against inodes (the rules are `kernel_perm`'s):
//! EACCES when denied, the owner of new nodes, and the directory checks of
//! creating and removing entries.

use alloc::sync::Arc;

use kernel_abi::Errno;
use kernel_perm::{Creds, MAY_EXEC, MAY_WRITE};

use super::inode::{Inode, S_IFDIR};

const S_ISGID: u32 = 0o2000;

/// EACCES unless `c` may do `want` (`MAY_*` bits) to `node`.
pub fn check(node: &Inode, c: &Creds, want: u32) -> Result<(), Errno> {
    let m = *node.meta.lock();
    if kernel_perm::permitted(c, m.mode, m.uid, m.gid, want) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// Creating an entry in `dir` takes write and search permission on it.
pub fn may_create(dir: &Inode, c: &Creds) -> Result<(), Errno> {
    check(dir, c, MAY_WRITE | MAY_EXEC)
}

/// Removing or renaming `node` out of `dir`: write and search on `dir`,
/// and the sticky-directory rule (EPERM, as Linux's `may_delete`).
pub fn may_delete(dir: &Inode, node: &Inode, c: &Creds) -> Result<(), Errno> {
    may_create(dir, c)?;
    let d = *dir.meta.lock();
    let file_uid = node.meta.lock().uid;
    if kernel_perm::sticky_allows(c, d.mode, d.uid, file_uid) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// Gives a node just created in `dir` its owner: the creator's effective
/// uid and gid, or the directory's group when the directory is set-group-ID
/// (new directories then inherit the bit), as Linux's `inode_init_owner`.
pub fn set_owner(node: &Arc<Inode>, dir: &Inode, c: &Creds) {
    let d = *dir.meta.lock();
    let mut m = node.meta.lock();
    m.uid = c.euid;
    m.gid = c.egid;
    if d.mode & S_ISGID != 0 {
        m.gid = d.gid;
        if m.mode & super::inode::S_IFMT == S_IFDIR {
            m.mode |= S_ISGID;
        }
    }
}
