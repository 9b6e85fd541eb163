//! ppoll(2) and pselect6(2) over the readiness of terminals, pipes and
//! files, each with its optional signal mask for the wait.

use alloc::vec::Vec;

use kernel_abi::Errno;

use super::SyscallResult;
use crate::arch::timer;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process::{self, sched, signal};

pub const POLLIN: u16 = 0x1;
pub const POLLOUT: u16 = 0x4;
pub const POLLERR: u16 = 0x8;
pub const POLLHUP: u16 = 0x10;
pub const POLLNVAL: u16 = 0x20;

fn read_timeout(addr: u64) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    let mut b = [0u8; 16];
    copy_from_user(&mut b, addr)?;
    let sec = i64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let nsec = i64::from_le_bytes(b[8..].try_into().expect("8 bytes"));
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(timer::now_ns().saturating_add((sec as u64).saturating_mul(1_000_000_000) + nsec as u64)))
}

/// Waits until `scan` (which records the readiness it finds) counts a
/// ready descriptor or `deadline` passes: the count (0 on timeout), or
/// EINTR when a signal comes first with nothing ready.
fn wait_ready(deadline: Option<u64>, mut scan: impl FnMut() -> usize) -> Result<usize, Errno> {
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

/// Readiness of `fd` for `events`.
fn revents(fd: i32, events: u16) -> u16 {
    if fd < 0 {
        return 0;
    }
    match process::with_current(|p| p.fds.get(fd as u64)) {
        Ok(Ok(file)) => file.poll() & (events | POLLERR | POLLHUP),
        _ => POLLNVAL,
    }
}

/// The signal mask at `addr` (none when 0); EINVAL unless `size` is 8.
fn read_sigmask(addr: u64, size: u64) -> Result<Option<u64>, Errno> {
    if addr == 0 {
        return Ok(None);
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let mut b = [0u8; 8];
    copy_from_user(&mut b, addr)?;
    Ok(Some(u64::from_le_bytes(b)))
}

pub fn sys_ppoll(fds: u64, nfds: u64, tmo: u64, sigmask: u64, sigsetsize: u64) -> SyscallResult {
    if nfds > 1024 {
        return Err(Errno::EINVAL);
    }
    let mask = read_sigmask(sigmask, sigsetsize)?;
    signal::with_mask(mask, || ppoll(fds, nfds, tmo))
}

fn ppoll(fds: u64, nfds: u64, tmo: u64) -> SyscallResult {
    let deadline = read_timeout(tmo)?;
    let mut raw = alloc::vec![0u8; nfds as usize * 8];
    copy_from_user(&mut raw, fds)?;
    let entries: Vec<(i32, u16)> = raw
        .chunks_exact(8)
        .map(|c| {
            (i32::from_le_bytes(c[..4].try_into().expect("4")), u16::from_le_bytes(c[4..6].try_into().expect("2")))
        })
        .collect();
    let ready = wait_ready(deadline, || {
        let mut ready = 0;
        for (i, &(fd, ev)) in entries.iter().enumerate() {
            let r = revents(fd, ev);
            raw[i * 8 + 6..i * 8 + 8].copy_from_slice(&r.to_le_bytes());
            if r != 0 {
                ready += 1;
            }
        }
        ready
    })?;
    copy_to_user(fds, &raw)?;
    Ok(ready)
}

/// pselect6: the sixth argument points at `{ const sigset_t *ss; size_t ss_len; }`.
pub fn sys_pselect6(nfds: u64, readfds: u64, writefds: u64, exceptfds: u64, tmo: u64, sig: u64) -> SyscallResult {
    if nfds > 1024 {
        return Err(Errno::EINVAL);
    }
    let mask = if sig == 0 {
        None
    } else {
        let mut b = [0u8; 16];
        copy_from_user(&mut b, sig)?;
        let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        read_sigmask(w(0), w(1))?
    };
    signal::with_mask(mask, || pselect6(nfds, readfds, writefds, exceptfds, tmo))
}

fn pselect6(nfds: u64, readfds: u64, writefds: u64, exceptfds: u64, tmo: u64) -> SyscallResult {
    let words = (nfds as usize).div_ceil(64);
    let load = |addr: u64| -> Result<Vec<u64>, Errno> {
        let mut v = alloc::vec![0u64; words];
        if addr != 0 {
            let mut b = alloc::vec![0u8; words * 8];
            copy_from_user(&mut b, addr)?;
            for (i, w) in v.iter_mut().enumerate() {
                *w = u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8"));
            }
        }
        Ok(v)
    };
    let (rin, win, _ein) = (load(readfds)?, load(writefds)?, load(exceptfds)?);
    let deadline = read_timeout(tmo)?;
    let (mut rout, mut wout) = (alloc::vec![0u64; words], alloc::vec![0u64; words]);
    let ready = wait_ready(deadline, || {
        let mut ready = 0;
        for fd in 0..nfds as usize {
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
    let store = |addr: u64, v: &[u64]| -> Result<(), Errno> {
        if addr != 0 {
            let b: Vec<u8> = v.iter().flat_map(|w| w.to_le_bytes()).collect();
            copy_to_user(addr, &b)?;
        }
        Ok(())
    };
    store(readfds, &rout)?;
    store(writefds, &wout)?;
    store(exceptfds, &alloc::vec![0u64; words])?;
    Ok(ready)
}
