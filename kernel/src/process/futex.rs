//! Futexes: processes waiting for a 32-bit word of user memory to change,
//! woken by address. A word in MAP_SHARED memory is keyed by its physical
//! address (processes that share the page meet there); any other word by
//! address space and address, as Linux keys private mappings by their mm:
//! the threads of a process, and processes made by clone(CLONE_VM), meet
//! on private futexes; shared ones work across fork. A waiter is one
//! thread (by tid).

use alloc::vec::Vec;

use kernel_abi::Errno;
use spin::Mutex;

use super::{current_tid, sched, signal, with_current};
use crate::arch::{timer, IrqGuard};
use crate::mm::page_table::PageKind;
use crate::mm::usercopy::copy_from_user;

/// Where waiters on one word meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `mm`: the address space's identity (`AddressSpace::id`).
    Private {
        mm: u64,
        addr: u64,
    },
    Shared {
        phys: u64,
    },
}

struct Waiter {
    key: Key,
    bitset: u32,
    /// The waiting thread.
    tid: u32,
    woken: bool,
}

static WAITERS: Mutex<Vec<Waiter>> = Mutex::new(Vec::new());

/// The key of the word at `addr` in the current process (EINVAL when
/// unaligned, EFAULT when unmapped). `private`: FUTEX_PRIVATE_FLAG, which
/// promises the word is not shared.
pub fn key(addr: u64, private: bool) -> Result<Key, Errno> {
    if addr % 4 != 0 {
        return Err(Errno::EINVAL);
    }
    with_current(|p| {
        let space = p.space.as_mut().ok_or(Errno::EFAULT)?;
        let kind = space.page_kind(addr & !0xfff).ok_or(Errno::EFAULT)?;
        if private || !matches!(kind, PageKind::Shared | PageKind::SharedFile) {
            return Ok(Key::Private { mm: space.id(), addr });
        }
        space.translate(addr).map(|phys| Key::Shared { phys }).ok_or(Errno::EFAULT)
    })?
}

fn read_word(addr: u64) -> Result<u32, Errno> {
    let mut b = [0u8; 4];
    copy_from_user(&mut b, addr)?;
    Ok(u32::from_le_bytes(b))
}

/// FUTEX_WAIT(_BITSET): sleeps while the word at `addr` holds `expected`,
/// until a wake matching `bitset` (0), the `deadline` (ns of the monotonic
/// clock: ETIMEDOUT) or a signal. EAGAIN when the word differs. As Linux,
/// an untimed wait a signal interrupted is restarted after an SA_RESTART
/// handler (ERESTARTSYS: pthread_cond_wait and pthread_join never see
/// it); a timed one returns EINTR (Linux's restart block only resumes it
/// when no handler ran, which `sched::wait_until` does by waiting on).
pub fn wait(addr: u64, key: Key, expected: u32, bitset: u32, deadline: Option<u64>) -> Result<usize, Errno> {
    {
        let _irq = IrqGuard::new();
        // The word is read and the waiter queued with no other process
        // running in between (single CPU, no preemption in the kernel):
        // a wake cannot slip through.
        if read_word(addr)? != expected {
            return Err(Errno::EAGAIN);
        }
        if !crate::mm::heap::has_room(core::mem::size_of::<Waiter>()) {
            return Err(Errno::ENOMEM);
        }
        let mut waiters = WAITERS.lock();
        waiters.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        waiters.push(Waiter { key, bitset, tid: current_tid(), woken: false });
    }
    let tid = current_tid();
    let woken = || {
        let _irq = IrqGuard::new();
        WAITERS.lock().iter().any(|w| w.tid == tid && w.woken)
    };
    sched::wait_until(|| woken() || deadline.is_some_and(|d| timer::now_ns() >= d) || signal::has_deliverable());
    let _irq = IrqGuard::new();
    let mut waiters = WAITERS.lock();
    let Some(i) = waiters.iter().position(|w| w.tid == tid) else { return Ok(0) };
    let w = waiters.swap_remove(i);
    if w.woken {
        Ok(0)
    } else if deadline.is_some_and(|d| timer::now_ns() >= d) {
        Err(Errno::ETIMEDOUT)
    } else if deadline.is_none() {
        Err(Errno::ERESTARTSYS)
    } else {
        Err(Errno::EINTR)
    }
}

/// FUTEX_WAKE(_BITSET): wakes up to `count` waiters on `key` whose bitset
/// meets `bitset` (at least one, as Linux counts); returns how many.
pub fn wake(key: Key, count: u32, bitset: u32) -> usize {
    let woken = {
        let _irq = IrqGuard::new();
        let mut n = 0usize;
        for w in WAITERS.lock().iter_mut().filter(|w| !w.woken && w.key == key && w.bitset & bitset != 0) {
            w.woken = true;
            n += 1;
            if n >= count.max(1) as usize {
                break;
            }
        }
        n
    };
    if woken > 0 {
        sched::notify();
    }
    woken
}

/// FUTEX_(CMP_)REQUEUE: wakes up to `count` waiters on `from`, moves up to
/// `moved` more to `to`; returns how many were woken and moved.
pub fn requeue(from: Key, to: Key, count: u32, moved: u32) -> usize {
    let woken = wake(from, count, u32::MAX);
    let _irq = IrqGuard::new();
    let mut n = 0usize;
    for w in WAITERS.lock().iter_mut().filter(|w| !w.woken && w.key == from) {
        if n >= moved as usize {
            break;
        }
        w.key = to;
        n += 1;
    }
    woken + n
}
