//! What ppoll(2) and pselect6(2) share: the readiness of terminals, pipes
//! and files, the wait for it, and the optional signal mask for the wait.

use kernel_abi::Errno;

use super::args::{Timespec, UserPtr};
use super::current::current;
use crate::arch::timer;
use crate::process::{sched, signal};

pub const POLLIN: u16 = 0x1;
pub const POLLOUT: u16 = 0x4;
pub const POLLERR: u16 = 0x8;
pub const POLLHUP: u16 = 0x10;
pub const POLLNVAL: u16 = 0x20;

/// The deadline (ns since boot) of an optional relative timeout.
pub fn deadline(timeout: UserPtr<Timespec>) -> Result<Option<u64>, Errno> {
    let Some(timeout) = timeout.nonnull() else { return Ok(None) };
    let ns = timeout.read()?.to_ns()?;
    Ok(Some(timer::now_ns().saturating_add(ns)))
}

/// Waits until `scan` (which records the readiness it finds) counts a
/// ready descriptor or `deadline` passes: the count (0 on timeout), or
/// EINTR when a signal comes first with nothing ready.
pub fn wait_ready(deadline: Option<u64>, mut scan: impl FnMut() -> usize) -> Result<usize, Errno> {
    sched::wait_for(|| {
        let ready = scan();
        if ready > 0 || deadline.is_some_and(|d| timer::now_ns() >= d) {
            Some(Ok(ready))
        } else if signal::has_deliverable() {
            Some(Err(Errno::EINTR))
        } else {
            None
        }
    })
}

/// Readiness of `fd` for `events` (a negative fd is skipped: 0).
pub fn revents(fd: i32, events: u16) -> u16 {
    if fd < 0 {
        return 0;
    }
    match current().with(|p| p.fds.get(fd as u64)) {
        Ok(file) => file.poll() & (events | POLLERR | POLLHUP),
        _ => POLLNVAL,
    }
}

/// The signal mask at `mask` (none when NULL); EINVAL unless `size` is 8.
pub fn read_sigmask(mask: UserPtr<u64>, size: usize) -> Result<Option<u64>, Errno> {
    let Some(mask) = mask.nonnull() else { return Ok(None) };
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(mask.read()?))
}
