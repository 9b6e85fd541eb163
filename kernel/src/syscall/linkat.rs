//! linkat(2): a second name for a file, within one mount (EXDEV across),
//! never for a directory (EPERM). AT_SYMLINK_FOLLOW follows a final
//! symlink of the old path, AT_EMPTY_PATH links the file `olddirfd` is
//! open on. Like Linux with fs.protected_hardlinks=1, someone other than
//! the owner (or root) may link only a regular file it can read and write
//! that is not set-user-ID or set-group-ID executable
//! (`kernel_vfs::access::may_link`).

use kernel_abi::Errno;

use super::args::{user_path, AtFlags, DirFd, UserCStr};
use super::current::current;
use super::fs_util::{at_path, base_dir, AtTarget};
use super::SyscallResult;
use crate::fs;

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
    // A file outside the tree (a pipe) has no filesystem to link into.
    let AtTarget::Path(old) = at_path(olddirfd, oldpath, lookup)? else {
        return Err(Errno::ENOENT);
    };
    let new = user_path(newpath)?;
    let parent = fs::resolve_parent(&base_dir(newdirfd, &new)?, &new)?;
    fs::check_space(0)?;
    fs::ns().link(&old, &parent, &current().creds())?;
    Ok(0)
}
