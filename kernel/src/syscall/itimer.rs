//! setitimer(2), getitimer(2) (process::itimer). alarm(3) is setitimer
//! in musl on arm64.

use kernel_abi::Errno;

use super::args::{Timeval, UserPtr, UserValue};
use super::current::current;
use super::SyscallResult;
use crate::process::{cputime, itimer};

/// `struct itimerval`: it_interval, it_value.
#[derive(Debug, Clone, Copy)]
pub struct ITimerVal {
    interval: Timeval,
    value: Timeval,
}

impl UserValue for ITimerVal {
    const SIZE: usize = 32;
    fn decode(b: &[u8]) -> Self {
        ITimerVal { interval: Timeval::decode(&b[..16]), value: Timeval::decode(&b[16..32]) }
    }
    fn encode(&self, b: &mut [u8]) {
        self.interval.encode(&mut b[..16]);
        self.value.encode(&mut b[16..32]);
    }
}

/// A setting in ns, rounded up to whole microseconds so that a running
/// timer never reads 0.
fn itimerval(value: u64, interval: u64) -> ITimerVal {
    let round = |ns: u64| Timeval::from_ns(ns.div_ceil(1000) * 1000);
    ITimerVal { interval: round(interval), value: round(value) }
}

/// A timeval in ns: EINVAL for a negative second count or microseconds
/// outside 0..1e6, as Linux's `timeval_valid`.
fn timeval_ns(t: Timeval) -> Result<u64, Errno> {
    if t.sec < 0 || !(0..1_000_000).contains(&t.usec) {
        return Err(Errno::EINVAL);
    }
    Ok((t.sec as u64).saturating_mul(1_000_000_000).saturating_add(t.usec as u64 * 1000))
}

fn which_timer(which: i32) -> Result<usize, Errno> {
    match which {
        0 => Ok(itimer::ITIMER_REAL),
        1 => Ok(itimer::ITIMER_VIRTUAL),
        2 => Ok(itimer::ITIMER_PROF),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_getitimer(which: i32, value: UserPtr<ITimerVal>) -> SyscallResult {
    let which = which_timer(which)?;
    let (v, i) = current().with(|p| Ok(itimer::get(p, which)))?;
    value.write(&itimerval(v, i))?;
    Ok(0)
}

/// A NULL new value disarms the timer (Linux's historical behaviour).
pub fn sys_setitimer(which: i32, new: UserPtr<ITimerVal>, old: UserPtr<ITimerVal>) -> SyscallResult {
    let which = which_timer(which)?;
    let (value, interval) = match new.nonnull() {
        Some(new) => {
            let n = new.read()?;
            (timeval_ns(n.value)?, timeval_ns(n.interval)?)
        }
        None => (0, 0),
    };
    if which != itimer::ITIMER_REAL {
        // The CPU clocks are current up to now.
        cputime::current();
    }
    let (v, i) = current().with(|p| Ok(itimer::set(p, which, value, interval)))?;
    if let Some(old) = old.nonnull() {
        old.write(&itimerval(v, i))?;
    }
    Ok(0)
}
