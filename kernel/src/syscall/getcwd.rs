//! getcwd(2): the length written, NUL included; ERANGE when it does not fit.

use kernel_abi::Errno;

use super::args::UserSlice;
use super::current::current;
use super::SyscallResult;

pub fn sys_getcwd(buf: UserSlice) -> SyscallResult {
    let mut cwd = current().cwd()?.into_bytes();
    cwd.push(0);
    if buf.len() < cwd.len() {
        return Err(Errno::ERANGE);
    }
    buf.write_from(&cwd)?;
    Ok(cwd.len())
}
