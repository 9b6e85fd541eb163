//! linkat(2): a second name for a file, within one mount (EXDEV across),
//! never for a directory (EPERM). AT_SYMLINK_FOLLOW follows a final
//! symlink of the old path, AT_EMPTY_PATH links the file `olddirfd` is
//! open on. Like Linux with fs.protected_hardlinks=1, someone other than
//! the owner (or root) may link only a regular file it can read and write
//! that is not set-user-ID or set-group-ID executable
//! (`kernel_vfs::access::may_link`).

use kernel_abi::Errno;

use super::fs_util::{base_dir, user_path, AT_EMPTY_PATH, AT_FDCWD};
use super::SyscallResult;
use crate::fs;
use crate::process;

const AT_SYMLINK_FOLLOW: u64 = 0x400;

pub fn sys_linkat(olddirfd: u64, oldpath: u64, newdirfd: u64, newpath: u64, flags: u64) -> SyscallResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let old = user_path(oldpath)?;
    let old = if old.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if olddirfd as i64 as i32 == AT_FDCWD as i32 {
            fs::cwd()
        } else {
            process::with_current(|p| p.fds.get(olddirfd))??.path.clone().ok_or(Errno::ENOENT)?
        }
    } else {
        fs::resolve(&base_dir(olddirfd, &old)?, &old, flags & AT_SYMLINK_FOLLOW != 0)?
    };
    let new = user_path(newpath)?;
    let parent = fs::resolve_parent(&base_dir(newdirfd, &new)?, &new)?;
    fs::check_space(0)?;
    fs::ns().link(&old, &parent, &process::current_creds())?;
    Ok(0)
}
