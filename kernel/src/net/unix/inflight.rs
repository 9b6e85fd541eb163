//! Descriptors in flight (passed with SCM_RIGHTS, not yet received): a
//! cap on how many may be queued at once (ETOOMANYREFS past it, as
//! Linux's per-user `too_many_unix_fds`), and the release of a socket's
//! queued descriptors one at a time: closing one may release another
//! socket whose queue holds more, so a long chain of sockets queued in
//! each other is let go iteratively, never by recursion on the kernel
//! stack.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use kernel_abi::Errno;
use spin::Mutex;

use super::Meta;
use crate::fs::file::OpenFile;

/// Most descriptors in flight in all AF_UNIX queues together.
pub const MAX_INFLIGHT: usize = 4096;

static INFLIGHT: AtomicUsize = AtomicUsize::new(0);
static PENDING: Mutex<Vec<Arc<OpenFile>>> = Mutex::new(Vec::new());
static DRAINING: AtomicBool = AtomicBool::new(false);

/// Counts `n` more descriptors in flight (ETOOMANYREFS past the cap).
pub fn take(n: usize) -> Result<(), Errno> {
    if n == 0 {
        return Ok(());
    }
    INFLIGHT
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| c.checked_add(n).filter(|&t| t <= MAX_INFLIGHT))
        .map(drop)
        .map_err(|_| Errno::ETOOMANYREFS)
}

/// `n` descriptors left flight (received, or dropped with their queue).
pub fn give_back(n: usize) {
    let _ = INFLIGHT.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| Some(c.saturating_sub(n)));
}

/// Drops the descriptors of a released socket's messages, iteratively.
pub fn dispose(metas: Vec<Meta>) {
    let mut files = Vec::new();
    for m in metas {
        give_back(m.rights.len());
        files.extend(m.rights);
    }
    if files.is_empty() {
        return;
    }
    PENDING.lock().extend(files);
    if DRAINING.swap(true, Ordering::SeqCst) {
        // An outer dispose is draining: it takes these too.
        return;
    }
    loop {
        let next = PENDING.lock().pop();
        match next {
            // Dropped with no lock held: its release may come back here.
            Some(f) => drop(f),
            None => break,
        }
    }
    DRAINING.store(false, Ordering::SeqCst);
}
