//! rt_sigtimedwait(2) (sigwaitinfo, sigtimedwait): takes a pending signal
//! of the set without running its action, waiting up to the timeout (NULL:
//! for ever). EAGAIN at the timeout; EINTR when another signal with an
//! effect (a handler, a default kill) comes first, as Linux (no restart).
//!
//! Per thread: the calling thread takes a signal pending on itself or a
//! process-directed one pending on another thread of the process (Linux's
//! shared set). While it waits, the set is unblocked in its mask (Linux's
//! `real_blocked`), so a process-directed signal of the set sent meanwhile
//! picks it as the thread that does not block it.

use kernel_abi::Errno;

use super::args::{Timespec, UserPtr, UserSlice};
use super::current::current;
use super::SyscallResult;
use crate::arch::timer;
use crate::process::sched;
use crate::process::signal::{self, SIGINFO_SIZE, UNBLOCKABLE};

pub fn sys_rt_sigtimedwait(
    set: UserPtr<u64>,
    info: UserSlice,
    timeout: UserPtr<Timespec>,
    sigsetsize: usize,
) -> SyscallResult {
    if sigsetsize != 8 {
        return Err(Errno::EINVAL);
    }
    let want = set.read()? & !UNBLOCKABLE;
    let timeout = match timeout.nonnull() {
        Some(t) => Some(t.read()?.to_ns()?),
        None => None,
    };
    let deadline = timeout.map(|ns| timer::now_ns().saturating_add(ns));
    let take = || {
        current().with(|p| {
            Ok(p.signals.take_from(want).or_else(|| p.take_shared(want)).map(|(sig, mut i)| {
                p.timers.delivered(&mut i);
                (sig, i)
            }))
        })
    };
    let mut got = take()?;
    if got.is_none() && deadline.is_none_or(|d| timer::now_ns() < d) {
        let real = current().with(|p| {
            let real = p.signals.blocked;
            p.signals.blocked &= !want;
            Ok(real)
        })?;
        sched::wait_until(|| {
            got = take().ok().flatten();
            got.is_some() || signal::has_deliverable() || deadline.is_some_and(|d| timer::now_ns() >= d)
        });
        current().with(|p| {
            p.signals.blocked = real;
            Ok(())
        })?;
    }
    let Some((sig, details)) = got else {
        return Err(if signal::has_deliverable() { Errno::EINTR } else { Errno::EAGAIN });
    };
    if !info.is_empty() {
        let mut buf = [0u8; SIGINFO_SIZE as usize];
        signal::encode_info(&mut buf, sig, &details);
        info.write_from(&buf)?;
    }
    Ok(sig)
}
