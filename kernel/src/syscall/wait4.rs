//! wait4(2): exits, and with WUNTRACED/WCONTINUED stops and continues;
//! rusage holds the child's CPU times (getrusage.rs).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;
use crate::process::{self, WaitFor, WaitOptions};

const WNOHANG: u64 = 1;
const WUNTRACED: u64 = 2;
const WCONTINUED: u64 = 8;

pub fn sys_wait4(pid: u64, status: u64, options: u64, rusage: u64) -> SyscallResult {
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | 0x4000_0000 | 0x8000_0000) != 0 {
        return Err(Errno::EINVAL);
    }
    let pid = pid as i64 as i32;
    let sel = match pid {
        -1 => WaitFor::Any,
        0 => WaitFor::Group(process::with_current(|p| p.pgid)?),
        p if p < 0 => WaitFor::Group((-p) as u32),
        p => WaitFor::Pid(p as u32),
    };
    let opts = WaitOptions { stopped: options & WUNTRACED != 0, continued: options & WCONTINUED != 0 };
    let found = if options & WNOHANG != 0 {
        match process::try_wait_usage(sel, opts)? {
            Some(r) => r,
            None => return Ok(0),
        }
    } else {
        process::wait_with_usage(sel, opts)?
    };
    let (child, code, (user, system)) = found;
    if status != 0 {
        copy_to_user(status, &code.to_le_bytes())?;
    }
    if rusage != 0 {
        copy_to_user(rusage, &super::getrusage::rusage_bytes(user, system))?;
    }
    Ok(child as usize)
}
