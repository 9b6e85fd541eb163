//! Permission hooks against inode attributes (the rules are
//! `kernel_perm`'s): EACCES when denied, the sticky-directory rule, the
//! owner of new inodes, and protected hard links.

use kernel_abi::Errno;
use kernel_perm::{Creds, MAY_EXEC, MAY_READ, MAY_WRITE};

use crate::node::{Attr, Owner, Result, S_IFDIR, S_IFMT, S_IFREG, S_ISGID, S_ISUID};

/// EACCES unless `c` may do `want` (`MAY_*` bits) to the inode.
pub fn check(attr: &Attr, c: &Creds, want: u32) -> Result<()> {
    if kernel_perm::permitted(c, attr.mode, attr.uid, attr.gid, want) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// Creating an entry in a directory takes write and search permission.
pub fn may_create(dir: &Attr, c: &Creds) -> Result<()> {
    check(dir, c, MAY_WRITE | MAY_EXEC)
}

/// Removing or renaming `node` out of `dir`: write and search on `dir`,
/// and the sticky-directory rule (EPERM, as Linux's `may_delete`).
pub fn may_delete(dir: &Attr, node: &Attr, c: &Creds) -> Result<()> {
    may_create(dir, c)?;
    if kernel_perm::sticky_allows(c, dir.mode, dir.uid, node.uid) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// The owner of an inode created in `dir`, and the permission bits it
/// gets (`perm` plus the set-group-ID bit a directory inherits), as
/// Linux's `inode_init_owner`: the creator's effective ids, or the
/// directory's group when the directory is set-group-ID.
pub fn new_owner(dir: &Attr, c: &Creds, perm: u32, is_dir: bool) -> (Owner, u32) {
    let mut owner = Owner { uid: c.euid, gid: c.egid };
    let mut perm = perm;
    if dir.mode & S_ISGID != 0 {
        owner.gid = dir.gid;
        if is_dir {
            perm |= S_ISGID;
        }
    }
    (owner, perm)
}

/// Linux's `fs.protected_hardlinks=1` (`may_linkat`): someone other than
/// the owner (or root) may link only a regular file it can read and
/// write that is not set-user-ID or set-group-ID executable (EPERM).
pub fn may_link(attr: &Attr, c: &Creds) -> Result<()> {
    if c.owns(attr.uid) {
        return Ok(());
    }
    let setid_exec = attr.mode & S_ISUID != 0 || attr.mode & (S_ISGID | 0o010) == (S_ISGID | 0o010);
    let regular = attr.mode & S_IFMT == S_IFREG;
    if regular && !setid_exec && kernel_perm::permitted(c, attr.mode, attr.uid, attr.gid, MAY_READ | MAY_WRITE) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

/// Whether `attr` is a directory (for the rename and remove rules).
pub(crate) fn is_dir(attr: &Attr) -> bool {
    attr.mode & S_IFMT == S_IFDIR
}
