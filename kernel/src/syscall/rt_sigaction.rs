//! rt_sigaction(2): reads and sets actions (SIGKILL and SIGSTOP keep theirs).

use kernel_abi::Errno;

use super::args::{UserPtr, UserValue};
use super::current::current;
use super::SyscallResult;
use crate::process::signal::{self, SigAction};

/// The kernel's `struct sigaction` (handler, flags, restorer, mask).
impl UserValue for SigAction {
    const SIZE: usize = 32;
    fn decode(b: &[u8]) -> Self {
        SigAction::from_bytes(&<[u8; 32]>::decode(b))
    }
    fn encode(&self, b: &mut [u8]) {
        self.to_bytes().encode(b)
    }
}

pub fn sys_rt_sigaction(
    sig: i32,
    act: UserPtr<SigAction>,
    oldact: UserPtr<SigAction>,
    sigsetsize: usize,
) -> SyscallResult {
    let sig = usize::try_from(sig).unwrap_or(0);
    if sigsetsize != 8 || sig == 0 || sig > signal::NSIG {
        return Err(Errno::EINVAL);
    }
    let new = match act.nonnull() {
        Some(_) if sig == signal::SIGKILL || sig == signal::SIGSTOP => return Err(Errno::EINVAL),
        Some(act) => Some(act.read()?),
        None => None,
    };
    let old = current().with(|p| {
        Ok(match new {
            Some(n) => {
                let old = p.signals.set_action(sig, n);
                // An ignoring action discards `sig` pending on every thread.
                if p.signals.ignores_unblocked(sig) {
                    p.discard_pending(crate::process::signal::bit(sig));
                }
                old
            }
            None => p.signals.actions[sig - 1],
        })
    })?;
    if let Some(oldact) = oldact.nonnull() {
        oldact.write(&old)?;
    }
    Ok(0)
}
