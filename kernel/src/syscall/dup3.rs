//! dup3(2) (flags: O_CLOEXEC; unknown bits are EINVAL at the boundary).

use kernel_abi::Errno;

use super::args::{Dup3Flags, Fd};
use super::current::current;
use super::SyscallResult;

pub fn sys_dup3(old: Fd, new: Fd, flags: Dup3Flags) -> SyscallResult {
    if old == new {
        return Err(Errno::EINVAL);
    }
    let replaced = current().with(|p| {
        let f = p.fds.get(old.index())?;
        p.fds.replace(new.index() as usize, f, flags.contains(Dup3Flags::CLOEXEC))
    })?;
    // Closing what was at `new`: its record locks go (outside the process
    // lock: a file on a disk may have to read its inode).
    if let Some(file) = replaced {
        crate::fs::lock::release(current().pid(), &*file.node);
    }
    Ok(new.index() as usize)
}
