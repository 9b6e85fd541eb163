//! clock_getres(2): 1 ns for every clock clock_gettime reads from the
//! counter (as Linux's high-resolution and CPU-time clocks report).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;
use crate::process::cputime;

pub fn sys_clock_getres(clock: u64, res: u64) -> SyscallResult {
    let clock = clock as i64 as i32;
    match cputime::clock_ns(clock) {
        Some(r) => {
            r?;
        }
        None if (0..=7).contains(&clock) => {}
        None => return Err(Errno::EINVAL),
    }
    if res != 0 {
        let mut b = [0u8; 16];
        b[8..].copy_from_slice(&1u64.to_le_bytes());
        copy_to_user(res, &b)?;
    }
    Ok(0)
}
