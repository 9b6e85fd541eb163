//! pselect6(2): select over descriptor bit sets, with an optional signal
//! mask for the wait.

use alloc::vec::Vec;

use kernel_abi::Errno;

use super::args::{Fd, Timespec, UserPtr, UserSlice, UserValue};
use super::current::current;
use super::poll::{deadline, read_sigmask, revents, wait_ready, POLLHUP, POLLIN, POLLOUT};
use super::SyscallResult;
use crate::process::signal;

/// Most descriptors one call selects over (FD_SETSIZE).
const MAX_FDS: usize = 1024;

/// The sixth argument: `{ const sigset_t *ss; size_t ss_len; }`.
pub struct SigsetArg {
    mask: UserPtr<u64>,
    size: usize,
}

impl UserValue for SigsetArg {
    const SIZE: usize = 16;
    fn decode(b: &[u8]) -> Self {
        SigsetArg { mask: UserPtr::new(u64::decode(&b[..8])), size: u64::decode(&b[8..16]) as usize }
    }
    fn encode(&self, b: &mut [u8]) {
        self.mask.addr().encode(&mut b[..8]);
        (self.size as u64).encode(&mut b[8..16]);
    }
}

pub fn sys_pselect6(
    nfds: usize,
    readfds: UserPtr<u64>,
    writefds: UserPtr<u64>,
    exceptfds: UserPtr<u64>,
    timeout: UserPtr<Timespec>,
    sig: UserPtr<SigsetArg>,
) -> SyscallResult {
    // Linux: `int n`, EINVAL when negative, else clamped to the size of
    // the descriptor table (bits past it are not read).
    let nfds = match nfds as u32 as i32 {
        n if n < 0 => return Err(Errno::EINVAL),
        n => (n as usize).min(MAX_FDS),
    };
    let mask = match sig.nonnull() {
        None => None,
        Some(sig) => {
            let sig = sig.read()?;
            read_sigmask(sig.mask, sig.size)?
        }
    };
    let words = nfds.div_ceil(64);
    let set = |p: UserPtr<u64>| UserSlice::new(p.addr(), words * 8);
    signal::with_mask(mask, || pselect6(nfds, set(readfds), set(writefds), set(exceptfds), timeout))
}

/// An fd_set of `words` 64-bit words (all clear when NULL).
fn load(set: UserSlice) -> Result<Vec<u64>, Errno> {
    let mut v = alloc::vec![0u64; set.len() / 8];
    if set.addr() != 0 {
        let mut b = alloc::vec![0u8; set.len()];
        set.read_into(&mut b)?;
        for (i, w) in v.iter_mut().enumerate() {
            *w = u64::decode(&b[i * 8..]);
        }
    }
    Ok(v)
}

fn store(set: UserSlice, v: &[u64]) -> Result<(), Errno> {
    if set.addr() != 0 {
        let b: Vec<u8> = v.iter().flat_map(|w| w.to_le_bytes()).collect();
        set.write_from(&b)?;
    }
    Ok(())
}

fn pselect6(
    nfds: usize,
    readfds: UserSlice,
    writefds: UserSlice,
    exceptfds: UserSlice,
    timeout: UserPtr<Timespec>,
) -> SyscallResult {
    let words = nfds.div_ceil(64);
    let (rin, win, ein) = (load(readfds)?, load(writefds)?, load(exceptfds)?);
    // Linux's max_select_fd: a descriptor in any set that is not open is EBADF.
    for fd in 0..nfds {
        let (w, b) = (fd / 64, 1u64 << (fd % 64));
        if (rin[w] | win[w] | ein[w]) & b != 0 {
            current().file(Fd::from_reg(fd as u64))?;
        }
    }
    let deadline = deadline(timeout)?;
    let (mut rout, mut wout) = (alloc::vec![0u64; words], alloc::vec![0u64; words]);
    let ready = wait_ready(deadline, || {
        let mut ready = 0;
        for fd in 0..nfds {
            let (w, b) = (fd / 64, 1u64 << (fd % 64));
            rout[w] &= !b;
            wout[w] &= !b;
            if rin[w] & b != 0 && revents(fd as i32, POLLIN) & (POLLIN | POLLHUP) != 0 {
                rout[w] |= b;
                ready += 1;
            }
            if win[w] & b != 0 && revents(fd as i32, POLLOUT) & POLLOUT != 0 {
                wout[w] |= b;
                ready += 1;
            }
        }
        ready
    })?;
    store(readfds, &rout)?;
    store(writefds, &wout)?;
    store(exceptfds, &alloc::vec![0u64; words])?;
    Ok(ready)
}
