//! flock(2): whole-file advisory locks, owned by the open file description
//! (dup and fork share one; they go when its last descriptor closes),
//! independent of fcntl record locks, as on Linux. Converting a lock drops
//! the old one first (Linux is not atomic there either).

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use kernel_abi::Errno;
use spin::Mutex;

use super::args::Fd;
use super::current::current;
use super::SyscallResult;
use crate::fs::file::OpenFile;
use crate::process::{sched, signal};

const LOCK_SH: u32 = 1;
const LOCK_EX: u32 = 2;
const LOCK_NB: u32 = 4;
const LOCK_UN: u32 = 8;

/// Per inode (its address: an open description keeps the inode alive, so
/// a live holder's key cannot be reused): the descriptions holding a lock
/// and whether it is exclusive.
type Holders = Vec<(Weak<OpenFile>, bool)>;
static LOCKS: Mutex<BTreeMap<usize, Holders>> = Mutex::new(BTreeMap::new());

fn key(file: &OpenFile) -> usize {
    Arc::as_ptr(&file.node) as *const () as usize
}

/// Drops `file`'s lock and every holder whose description is gone.
fn unlock(table: &mut BTreeMap<usize, Holders>, file: &Arc<OpenFile>) {
    let k = key(file);
    if let Some(h) = table.get_mut(&k) {
        h.retain(|(w, _)| w.strong_count() > 0 && !core::ptr::eq(w.as_ptr(), Arc::as_ptr(file)));
        if h.is_empty() {
            table.remove(&k);
        }
    }
}

/// Takes the lock when no other live description holds a conflicting one.
fn try_lock(file: &Arc<OpenFile>, exclusive: bool) -> bool {
    let mut table = LOCKS.lock();
    unlock(&mut table, file);
    let holders = table.entry(key(file)).or_default();
    if holders.iter().any(|(_, ex)| exclusive || *ex) {
        if holders.is_empty() {
            table.remove(&key(file));
        }
        return false;
    }
    holders.push((Arc::downgrade(file), exclusive));
    true
}

/// The operation is checked before the descriptor (EINVAL, then EBADF),
/// as Linux.
pub fn sys_flock(fd: Fd, operation: u32) -> SyscallResult {
    let exclusive = match operation & !LOCK_NB {
        LOCK_SH => Some(false),
        LOCK_EX => Some(true),
        LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let file = current().file(fd)?;
    let exclusive = match exclusive {
        Some(ex) => ex,
        None => {
            unlock(&mut LOCKS.lock(), &file);
            sched::notify();
            return Ok(0);
        }
    };
    if operation & LOCK_NB != 0 {
        return if try_lock(&file, exclusive) { Ok(0) } else { Err(Errno::EAGAIN) };
    }
    // Waits re-check after every event (a tick at the latest), so a holder
    // that closes its last descriptor releases the waiter too.
    sched::wait_for(|| {
        if try_lock(&file, exclusive) {
            Some(Ok(0))
        } else if signal::has_deliverable() {
            Some(Err(Errno::ERESTARTSYS))
        } else {
            None
        }
    })
}
