//! wait4(2): exits, and with WUNTRACED/WCONTINUED stops and continues;
//! rusage holds the child's CPU times (getrusage.rs). Options: unknown
//! bits EINVAL at the boundary.

use super::args::{Pid, UserPtr, WaitFlags};
use super::current::current;
use super::SyscallResult;
use crate::process::{self, WaitFor, WaitOptions};

/// arm64 `struct rusage`: 144 bytes.
pub type Rusage = [u8; 144];

pub fn sys_wait4(pid: Pid, status: UserPtr<i32>, options: WaitFlags, rusage: UserPtr<Rusage>) -> SyscallResult {
    let sel = match pid.raw() {
        -1 => WaitFor::Any,
        0 => WaitFor::Group(current().with(|p| Ok(p.pgid))?),
        p if p < 0 => WaitFor::Group(p.unsigned_abs()),
        p => WaitFor::Pid(p as u32),
    };
    let opts = WaitOptions {
        stopped: options.contains(WaitFlags::UNTRACED),
        continued: options.contains(WaitFlags::CONTINUED),
        clone_children: options.contains(WaitFlags::CLONE),
        all_children: options.contains(WaitFlags::ALL),
        this_thread_only: options.contains(WaitFlags::NOTHREAD),
    };
    let found = if options.contains(WaitFlags::NOHANG) {
        match process::try_wait_usage(sel, opts)? {
            Some(r) => r,
            None => return Ok(0),
        }
    } else {
        process::wait_with_usage(sel, opts)?
    };
    let (child, code, (user, system)) = found;
    if let Some(status) = status.nonnull() {
        status.write(&code)?;
    }
    if let Some(rusage) = rusage.nonnull() {
        rusage.write(&super::getrusage::rusage(user, system))?;
    }
    Ok(child as usize)
}
