//! getcwd(2): the working directory's path, rebuilt from its dentry's
//! parent links (so renames above it show); ENOENT once it was removed,
//! ERANGE when it does not fit; the length written, NUL included.

use kernel_abi::Errno;

use super::args::UserSlice;
use super::current::current;
use super::SyscallResult;

pub fn sys_getcwd(buf: UserSlice) -> SyscallResult {
    let mut cwd = crate::fs::ns().path_of(&current().cwd())?.into_bytes();
    cwd.push(0);
    if buf.len() < cwd.len() {
        return Err(Errno::ERANGE);
    }
    buf.write_from(&cwd)?;
    Ok(cwd.len())
}
