//! dup3(2) (flags: O_CLOEXEC; unknown bits are EINVAL at the boundary).

use kernel_abi::Errno;

use super::args::{Dup3Flags, Fd};
use super::current::current;
use super::SyscallResult;

pub fn sys_dup3(old: Fd, new: Fd, flags: Dup3Flags) -> SyscallResult {
    if old == new {
        return Err(Errno::EINVAL);
    }
    current().with(|p| {
        let f = p.fds.get(old.index())?;
        p.fds.set(new.index() as usize, f, flags.contains(Dup3Flags::CLOEXEC))?;
        Ok(new.index() as usize)
    })
}
