//! How threads end: exit(2) ends the calling thread only (the process
//! ends with its last thread), exit_group(2) and fatal signals end every
//! thread (`lifecycle::exit_current`), and execve from any thread ends the
//! others, the caller taking over the process id as the new leader. The
//! others are ended as Linux's zap_other_threads does: SIGKILL, so each
//! leaves its kernel work normally and ends at its return to EL0, while
//! the caller waits.
//!
//! A thread that ends while others share its memory does what Linux's
//! `mm_release` does: walks its robust futex list (set_robust_list), then
//! writes 0 at its clear-child-tid address and wakes one futex waiter
//! there (that is how pthread_join learns of it).

use super::thread::RobustList;
use super::{current_pid, current_tid, exit_current, futex, sched, with_current, PROCS};
use crate::arch::IrqGuard;
use crate::mm::usercopy::{copy_from_user, copy_to_user};

/// exit_group(2): every thread ends; the process becomes a zombie.
pub fn exit_group(code: i32) -> ! {
    exit_current((code & 0xff) << 8)
}

/// exit(2): the calling thread ends; when it is the last one, the process
/// exits with `code` (the last thread's code, whether or not the leader
/// ended first: what Linux reports, as the oracle shows).
pub fn exit_thread(code: i32) -> ! {
    if with_current(|p| p.threads.is_empty()).unwrap_or(true) {
        exit_current((code & 0xff) << 8)
    }
    end_this_thread()
}

/// The calling thread ends while other threads of its process go on.
fn end_this_thread() -> ! {
    let tid = current_tid();
    let (clear, robust) = with_current(|p| (p.clear_child_tid, p.robust_list)).unwrap_or_default();
    exit_robust_list(tid, robust);
    if clear != 0 {
        // Faults are ignored, as Linux ignores them here.
        if copy_to_user(clear, &0u32.to_le_bytes()).is_ok() {
            if let Ok(key) = futex::key(clear, false) {
                futex::wake(key, 1, u32::MAX);
            }
        }
    }
    let task = {
        let _irq = IrqGuard::new();
        let mut procs = PROCS.lock();
        let task = procs.get_mut(&current_pid()).and_then(|p| {
            p.hand_over_shared();
            p.end_held_thread()
        });
        // Its children now belong to the thread that goes on (__WNOTHREAD).
        let heir = procs.get(&current_pid()).map_or(0, |p| p.tid);
        for c in procs.values_mut().filter(|c| c.parent_tid == tid && c.ppid == current_pid()) {
            c.parent_tid = heir;
        }
        task
    };
    // The task's stack is the one this runs on: arch keeps it alive until
    // the switch away from it is done.
    drop(task);
    sched::notify();
    loop {
        sched::schedule();
    }
}

/// The other threads of the current process end (exit_group, a fatal
/// signal, execve), as Linux's zap_other_threads: each gets SIGKILL and
/// ends at its next return to EL0, once its kernel work is undone (the
/// files it holds released, the wait it is in left); the caller waits
/// until they are gone. When another thread is already ending the
/// process, the caller is one of those and just ends (no return).
pub(crate) fn end_other_threads() {
    let me = current_tid();
    if with_current(|p| p.threads.is_empty() && p.group_exit_by.is_none()).unwrap_or(true) {
        return;
    }
    let first = with_current(|p| match p.group_exit_by {
        Some(t) if t != me => false,
        _ => {
            p.group_exit_by = Some(me);
            p.kill_other_threads();
            true
        }
    })
    .unwrap_or(true);
    if !first {
        end_this_thread();
    }
    sched::notify();
    sched::wait_until_exiting(|| with_current(|p| p.threads.is_empty()).unwrap_or(true));
}

/// The process exits while another process uses its memory (clone with
/// CLONE_VM): its clear-child-tid word is cleared and a waiter woken, as
/// Linux's mm_release does when mm_users > 1.
pub(crate) fn clear_child_tid_if_shared() {
    let Ok((clear, true)) = with_current(|p| (p.clear_child_tid, p.space.as_ref().is_some_and(|s| s.users() > 1)))
    else {
        return;
    };
    if clear != 0 && copy_to_user(clear, &0u32.to_le_bytes()).is_ok() {
        if let Ok(key) = futex::key(clear, false) {
            futex::wake(key, 1, u32::MAX);
        }
    }
}

/// The current thread's robust list, as the process exits.
pub(crate) fn exit_held_robust_list() {
    if let Ok(robust) = with_current(|p| p.robust_list) {
        exit_robust_list(current_tid(), robust);
    }
}

/// execve from any thread (Linux's de_thread): the other threads end and
/// the caller becomes the leader, its tid the process id; its
/// clear-child-tid and robust list are forgotten (Linux's exec_mm_release).
pub fn exec_takeover() {
    end_other_threads();
    let pid = current_pid();
    let _ = with_current(|p| p.group_exit_by = None);
    {
        // The other threads are gone: their children are the new leader's.
        let _irq = IrqGuard::new();
        for c in PROCS.lock().values_mut().filter(|c| c.ppid == pid) {
            c.parent_tid = pid;
        }
    }
    let _ = with_current(|p| {
        p.tid = pid;
        p.clear_child_tid = 0;
        p.robust_list = RobustList::default();
    });
    super::CURRENT_TID.store(pid, core::sync::atomic::Ordering::SeqCst);
}

/// The futex word's bits (linux/futex.h).
const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Linux's ROBUST_LIST_LIMIT: a circular or endless list stops here.
const ROBUST_LIST_LIMIT: usize = 2048;

fn read_u64(addr: u64) -> Option<u64> {
    let mut b = [0u8; 8];
    copy_from_user(&mut b, addr).ok()?;
    Some(u64::from_le_bytes(b))
}

/// Linux's exit_robust_list: every futex on thread `tid`'s robust list
/// (and the one it was about to add or remove) that `tid` still owns gets
/// FUTEX_OWNER_DIED, and one waiter is woken. Bit 0 of an entry marks a
/// PI futex (no wake: PI futexes are not implemented, ENOSYS).
fn exit_robust_list(tid: u32, robust: RobustList) {
    if robust.head == 0 {
        return;
    }
    // struct robust_list_head: list.next, futex_offset, list_op_pending.
    let (Some(first), Some(offset), Some(pending)) =
        (read_u64(robust.head), read_u64(robust.head + 8), read_u64(robust.head + 16))
    else {
        return;
    };
    let offset = offset as i64;
    let pending_entry = pending & !1;
    let mut entry = first;
    for _ in 0..ROBUST_LIST_LIMIT {
        if entry & !1 == robust.head {
            break;
        }
        let Some(next) = read_u64(entry & !1) else { break };
        if entry & !1 != pending_entry {
            futex_death((entry & !1).wrapping_add_signed(offset), tid, entry & 1 != 0, false);
        }
        entry = next;
    }
    if pending_entry != 0 {
        futex_death(pending_entry.wrapping_add_signed(offset), tid, pending & 1 != 0, true);
    }
}

/// Linux's handle_futex_death for the word at `addr`.
fn futex_death(addr: u64, tid: u32, pi: bool, pending_op: bool) {
    let mut b = [0u8; 4];
    if addr % 4 != 0 || copy_from_user(&mut b, addr).is_err() {
        return;
    }
    let word = u32::from_le_bytes(b);
    let wake = |addr: u64| {
        if let Ok(key) = futex::key(addr, false) {
            futex::wake(key, 1, u32::MAX);
        }
    };
    if pending_op && !pi && word == 0 {
        wake(addr);
        return;
    }
    if word & FUTEX_TID_MASK != tid {
        return;
    }
    let new = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if copy_to_user(addr, &new.to_le_bytes()).is_ok() && !pi && word & FUTEX_WAITERS != 0 {
        wake(addr);
    }
}
