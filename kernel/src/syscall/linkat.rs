//! linkat(2): a second name for a file, within one filesystem (EXDEV
//! across), never for a directory (EPERM). AT_SYMLINK_FOLLOW follows a
//! final symlink of the old path, AT_EMPTY_PATH links the file `olddirfd`
//! is open on. Like Linux with fs.protected_hardlinks=1, someone other
//! than the owner (or root) may link only a regular file it can read and
//! write that is not set-user-ID or set-group-ID executable.

use kernel_abi::Errno;
use kernel_perm::{Creds, MAY_READ, MAY_WRITE};

use super::args::{user_path, AtFlags, DirFd, UserCStr};
use super::current::current;
use super::fs_util::{at_node, base_dir};
use super::SyscallResult;
use crate::fs::{self, Inode, S_IFREG};

/// `flags`: AT_SYMLINK_FOLLOW and AT_EMPTY_PATH (others EINVAL at the boundary).
pub fn sys_linkat(
    olddirfd: DirFd,
    oldpath: UserCStr,
    newdirfd: DirFd,
    newpath: UserCStr,
    flags: AtFlags,
) -> SyscallResult {
    // linkat follows a final symlink only when asked (the other *at calls
    // only when not told otherwise).
    let mut lookup = flags & AtFlags::EMPTY_PATH;
    if !flags.contains(AtFlags::SYMLINK_FOLLOW) {
        lookup |= AtFlags::SYMLINK_NOFOLLOW;
    }
    let node = at_node(olddirfd, oldpath, lookup)?;
    let new = user_path(newpath)?;
    let base = base_dir(newdirfd, &new)?;
    let (dir, name) = fs::resolve_parent(&base, &new)?;
    if dir.child(name).is_some() {
        return Err(Errno::EEXIST);
    }
    if node.is_dir() {
        return Err(Errno::EPERM);
    }
    if dir.fs != node.fs {
        return Err(Errno::EXDEV);
    }
    let creds = current().creds();
    fs::access::may_create(&dir, &creds)?;
    may_link(&node, &creds)?;
    fs::check_space(0)?;
    fs::insert(&dir, name, node.clone())?;
    node.meta.lock().nlink += 1;
    Ok(0)
}

/// The protected_hardlinks rule (EPERM, as Linux's `may_linkat`).
fn may_link(node: &Inode, c: &Creds) -> Result<(), Errno> {
    let m = *node.meta.lock();
    if c.owns(m.uid) {
        return Ok(());
    }
    let setid_exec = m.mode & 0o4000 != 0 || m.mode & 0o2010 == 0o2010;
    let regular = m.mode & fs::inode::S_IFMT == S_IFREG;
    if regular && !setid_exec && kernel_perm::permitted(c, m.mode, m.uid, m.gid, MAY_READ | MAY_WRITE) {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}
