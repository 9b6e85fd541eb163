//! setitimer(2), getitimer(2) (process::itimer). alarm(3) is setitimer
//! in musl on arm64.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process::{self, itimer};

/// `struct itimerval`: it_interval, it_value (timevals).
fn encode(value: u64, interval: u64) -> [u8; 32] {
    let mut b = [0u8; 32];
    // Rounded up to whole microseconds, so a running timer never reads 0.
    for (i, ns) in [interval, value].into_iter().enumerate() {
        let us = ns.div_ceil(1000);
        b[i * 16..i * 16 + 8].copy_from_slice(&(us / 1_000_000).to_le_bytes());
        b[i * 16 + 8..i * 16 + 16].copy_from_slice(&(us % 1_000_000).to_le_bytes());
    }
    b
}

fn timeval_ns(b: &[u8]) -> Result<u64, Errno> {
    let sec = i64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let usec = i64::from_le_bytes(b[8..16].try_into().expect("8 bytes"));
    if sec < 0 || !(0..1_000_000).contains(&usec) {
        return Err(Errno::EINVAL);
    }
    Ok((sec as u64).saturating_mul(1_000_000_000).saturating_add(usec as u64 * 1000))
}

fn which_timer(which: u64) -> Result<usize, Errno> {
    match which as i64 as i32 {
        0 => Ok(itimer::ITIMER_REAL),
        1 => Ok(itimer::ITIMER_VIRTUAL),
        2 => Ok(itimer::ITIMER_PROF),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_getitimer(which: u64, value: u64) -> SyscallResult {
    let which = which_timer(which)?;
    let (v, i) = process::with_current(|p| itimer::get(p, which))?;
    copy_to_user(value, &encode(v, i))?;
    Ok(0)
}

/// A NULL new value disarms the timer (Linux's historical behaviour).
pub fn sys_setitimer(which: u64, new: u64, old: u64) -> SyscallResult {
    let which = which_timer(which)?;
    let (value, interval) = if new != 0 {
        let mut raw = [0u8; 32];
        copy_from_user(&mut raw, new)?;
        (timeval_ns(&raw[16..32])?, timeval_ns(&raw[0..16])?)
    } else {
        (0, 0)
    };
    if which != itimer::ITIMER_REAL {
        // The CPU clocks are current up to now.
        process::cputime::current();
    }
    let (v, i) = process::with_current(|p| itimer::set(p, which, value, interval))?;
    if old != 0 {
        copy_to_user(old, &encode(v, i))?;
    }
    Ok(0)
}
