//! clock_gettime(2), gettimeofday(2), nanosleep(2), clock_nanosleep(2).
//! Every wall clock is the boot-relative counter (no RTC yet): REALTIME
//! too; the CPU-time clocks count the process's CPU time.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::arch::timer;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process::{sched, signal};

fn timespec(ns: u64) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&(ns / 1_000_000_000).to_le_bytes());
    b[8..].copy_from_slice(&(ns % 1_000_000_000).to_le_bytes());
    b
}

pub fn sys_clock_gettime(clock: u64, tp: u64) -> SyscallResult {
    // The CPU-time clocks (process::cputime), then REALTIME, MONOTONIC,
    // MONOTONIC_RAW, *_COARSE, BOOTTIME.
    if let Some(ns) = crate::process::cputime::clock_ns(clock as i64 as i32) {
        copy_to_user(tp, &timespec(ns?))?;
        return Ok(0);
    }
    if clock > 7 {
        return Err(Errno::EINVAL);
    }
    copy_to_user(tp, &timespec(timer::now_ns()))?;
    Ok(0)
}

pub fn sys_gettimeofday(tv: u64) -> SyscallResult {
    if tv != 0 {
        let ns = timer::now_ns();
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&(ns / 1_000_000_000).to_le_bytes());
        b[8..].copy_from_slice(&((ns / 1000) % 1_000_000).to_le_bytes());
        copy_to_user(tv, &b)?;
    }
    Ok(0)
}

fn read_timespec(addr: u64) -> Result<u64, Errno> {
    let mut b = [0u8; 16];
    copy_from_user(&mut b, addr)?;
    let sec = i64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let nsec = i64::from_le_bytes(b[8..].try_into().expect("8 bytes"));
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(Errno::EINVAL);
    }
    Ok((sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64))
}

/// Sleeps until `deadline` (ns since boot); EINTR when a signal arrives,
/// with the time left written to `rem`.
fn sleep_until(deadline: u64, rem: u64) -> SyscallResult {
    sched::wait_until(|| timer::now_ns() >= deadline || signal::has_deliverable());
    let now = timer::now_ns();
    if now < deadline {
        if rem != 0 {
            copy_to_user(rem, &timespec(deadline - now))?;
        }
        return Err(Errno::EINTR);
    }
    Ok(0)
}

pub fn sys_nanosleep(req: u64, rem: u64) -> SyscallResult {
    let ns = read_timespec(req)?;
    sleep_until(timer::now_ns().saturating_add(ns), rem)
}

const TIMER_ABSTIME: u64 = 1;

pub fn sys_clock_nanosleep(clock: u64, flags: u64, req: u64, rem: u64) -> SyscallResult {
    if clock > 7 {
        return Err(Errno::EINVAL);
    }
    let ns = read_timespec(req)?;
    let deadline = if flags & TIMER_ABSTIME != 0 { ns } else { timer::now_ns().saturating_add(ns) };
    sleep_until(deadline, if flags & TIMER_ABSTIME != 0 { 0 } else { rem })
}
