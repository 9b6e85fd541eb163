//! ppoll(2), with its optional signal mask for the wait.

use alloc::vec::Vec;

use kernel_abi::Errno;

use super::args::{Timespec, UserPtr, UserSlice, UserValue};
use super::poll::{deadline, read_sigmask, revents, wait_ready};
use super::SyscallResult;
use crate::process::signal;

/// Most descriptors one call polls.
const MAX_FDS: usize = 1024;

/// `struct pollfd { int fd; short events; short revents; }`.
pub struct PollFd {
    fd: i32,
    events: u16,
}

impl UserValue for PollFd {
    const SIZE: usize = 8;
    fn decode(b: &[u8]) -> Self {
        PollFd { fd: i32::decode(&b[..4]), events: u16::decode(&b[4..6]) }
    }
    fn encode(&self, b: &mut [u8]) {
        self.fd.encode(&mut b[..4]);
        self.events.encode(&mut b[4..6]);
    }
}

pub fn sys_ppoll(
    fds: UserPtr<PollFd>,
    nfds: usize,
    timeout: UserPtr<Timespec>,
    sigmask: UserPtr<u64>,
    sigsetsize: usize,
) -> SyscallResult {
    if nfds > MAX_FDS {
        return Err(Errno::EINVAL);
    }
    let mask = read_sigmask(sigmask, sigsetsize)?;
    signal::with_mask(mask, || ppoll(UserSlice::new(fds.addr(), nfds * PollFd::SIZE), timeout))
}

fn ppoll(fds: UserSlice, timeout: UserPtr<Timespec>) -> SyscallResult {
    let deadline = deadline(timeout)?;
    let mut raw = alloc::vec![0u8; fds.len()];
    fds.read_into(&mut raw)?;
    let entries: Vec<PollFd> = raw.chunks_exact(PollFd::SIZE).map(PollFd::decode).collect();
    let ready = wait_ready(deadline, || {
        let mut ready = 0;
        for (i, e) in entries.iter().enumerate() {
            let r = revents(e.fd, e.events);
            r.encode(&mut raw[i * 8 + 6..i * 8 + 8]);
            if r != 0 {
                ready += 1;
            }
        }
        ready
    })?;
    fds.write_from(&raw)?;
    Ok(ready)
}
