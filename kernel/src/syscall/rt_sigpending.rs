//! rt_sigpending(2): the signals pending while blocked (one thread per
//! process: the process's set). Like Linux, a `sigsetsize` below 8 writes
//! that many bytes; above 8 is EINVAL.

use kernel_abi::Errno;

use super::args::UserSlice;
use super::current::current;
use super::SyscallResult;

pub fn sys_rt_sigpending(set: UserSlice) -> SyscallResult {
    if set.len() > 8 {
        return Err(Errno::EINVAL);
    }
    let pending = current().with(|p| Ok(p.signals.pending & p.signals.blocked))?;
    set.write_from(&pending.to_le_bytes()[..set.len()])?;
    Ok(0)
}
