//! rt_sigpending(2): the signals pending on the calling thread, or on the
//! process, while blocked by the calling thread. Like Linux, a
//! `sigsetsize` below 8 writes that many bytes; above 8 is EINVAL.

use kernel_abi::Errno;

use super::args::UserSlice;
use super::current::current;
use super::SyscallResult;

pub fn sys_rt_sigpending(set: UserSlice) -> SyscallResult {
    if set.len() > 8 {
        return Err(Errno::EINVAL);
    }
    // The calling thread's own pending set and the process-directed
    // signals pending on other threads (Linux's shared set), as blocked here.
    let pending = current().with(|p| Ok((p.signals.pending | p.shared_pending(u64::MAX)) & p.signals.blocked))?;
    set.write_from(&pending.to_le_bytes()[..set.len()])?;
    Ok(0)
}
