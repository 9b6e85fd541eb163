//! POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW) over the range
//! logic of `kernel_reclock`: one lock list per inode. A lock's owner is a
//! pid (POSIX locks: they go when the process closes any descriptor of the
//! file or exits, as on Linux) or an open file description's id (F_OFD_*
//! locks, at or above `OFD_OWNER_BASE`: they go with the description's last
//! descriptor). Not implemented: deadlock detection (EDEADLK) for F_SETLKW.

use alloc::collections::BTreeMap;

use kernel_abi::Errno;
use kernel_reclock::{Kind, Lock, Locks};
use spin::Mutex;

use super::file::OpenFile;
use super::Inode;
use crate::arch::IrqGuard;
use crate::process::{sched, signal};

/// Most ranges held per file (ENOLCK beyond): bounds the kernel heap a
/// program can take with locks.
const MAX_PER_FILE: usize = 1024;

/// Owners at or above this are open file descriptions, not pids.
pub const OFD_OWNER_BASE: u32 = 0x8000_0000;

/// Locks by `(st_dev, st_ino)`; files without locks have no entry.
static LOCKS: Mutex<BTreeMap<(u64, u64), Locks>> = Mutex::new(BTreeMap::new());

fn key(node: &dyn Inode) -> (u64, u64) {
    // An inode whose attributes cannot be read still has its number.
    let dev = node.getattr().map_or(0, |a| a.dev);
    (dev, node.ino())
}

/// A request decoded from `struct flock`: None for F_UNLCK; `start..end`.
pub struct Request {
    pub kind: Option<Kind>,
    pub start: u64,
    pub end: u64,
}

/// F_GETLK/F_OFD_GETLK: the first lock of another owner that conflicts
/// with `r` taken by `owner`.
pub fn get(node: &dyn Inode, owner: u32, r: &Request) -> Option<Lock> {
    let kind = r.kind?;
    let _irq = IrqGuard::new();
    LOCKS.lock().get(&key(node)).and_then(|l| l.conflict(owner, kind, r.start, r.end))
}

/// F_SETLK (`wait` false: EAGAIN on a conflict) and F_SETLKW (waits; EINTR
/// when a signal arrives). The file must be open for reading to read-lock,
/// for writing to write-lock (EBADF).
pub fn set(file: &OpenFile, owner: u32, r: &Request, wait: bool) -> Result<(), Errno> {
    match r.kind {
        Some(Kind::Read) if !file.readable() => return Err(Errno::EBADF),
        Some(Kind::Write) if !file.writable() => return Err(Errno::EBADF),
        _ => {}
    }
    let pid = owner;
    let k = key(&*file.node);
    let try_set = || -> Result<bool, Errno> {
        let _irq = IrqGuard::new();
        let mut all = LOCKS.lock();
        let locks = all.entry(k).or_default();
        if let Some(kind) = r.kind {
            if locks.conflict(pid, kind, r.start, r.end).is_some() {
                return Ok(false);
            }
            if locks.len() + 2 > MAX_PER_FILE {
                return Err(Errno::ENOLCK);
            }
        }
        locks.set(pid, r.kind, r.start, r.end);
        if locks.is_empty() {
            all.remove(&k);
        }
        Ok(true)
    };
    if try_set()? {
        sched::notify();
        return Ok(());
    }
    if !wait {
        return Err(Errno::EAGAIN);
    }
    let mut result = Ok(false);
    sched::wait_until(|| {
        result = try_set();
        !matches!(result, Ok(false)) || signal::has_deliverable()
    });
    match result? {
        true => Ok(()),
        false => Err(Errno::ERESTARTSYS),
    }
}

/// Drops `pid`'s locks on `node` (a close of one of its descriptors).
pub fn release(pid: u32, node: &dyn Inode) {
    let k = key(node);
    let _irq = IrqGuard::new();
    let mut all = LOCKS.lock();
    if let Some(locks) = all.get_mut(&k) {
        locks.release(pid);
        if locks.is_empty() {
            all.remove(&k);
        }
        drop(all);
        sched::notify();
    }
}

/// Drops every lock of `pid` (its exit).
pub fn release_all(pid: u32) {
    let _irq = IrqGuard::new();
    let mut all = LOCKS.lock();
    for locks in all.values_mut() {
        locks.release(pid);
    }
    all.retain(|_, l| !l.is_empty());
    drop(all);
    sched::notify();
}
