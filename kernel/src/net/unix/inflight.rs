//! Descriptors in flight (passed with SCM_RIGHTS, not yet received): a
//! cap on how many may be queued at once (ETOOMANYREFS past it, as
//! Linux's per-user `too_many_unix_fds`); the release of a socket's
//! queued descriptors one at a time: closing one may release another
//! socket whose queue holds more, so a long chain of sockets queued in
//! each other is let go iteratively, never by recursion on the kernel
//! stack; and the collector (Linux's `unix_gc`) that empties the queues
//! of sockets passed in circles that nobody can reach any more
//! (`kernel_socket::gc` decides which), run at every release while
//! descriptors are in flight and before refusing one at the cap.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use kernel_abi::Errno;
use spin::Mutex;

use kernel_socket::gc::{self, Edge};

use super::{Meta, UnixSocket};
use crate::fs::file::{Kind, OpenFile};

/// Most descriptors in flight in all AF_UNIX queues together.
pub const MAX_INFLIGHT: usize = 4096;

static INFLIGHT: AtomicUsize = AtomicUsize::new(0);
static PENDING: Mutex<Vec<Arc<OpenFile>>> = Mutex::new(Vec::new());
static DRAINING: AtomicBool = AtomicBool::new(false);
static COLLECTING: AtomicBool = AtomicBool::new(false);

fn try_take(n: usize) -> bool {
    INFLIGHT
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |c| c.checked_add(n).filter(|&t| t <= MAX_INFLIGHT))
        .is_ok()
}

/// Counts `n` more descriptors in flight (ETOOMANYREFS past the cap,
/// once the garbage is collected).
pub fn take(n: usize) -> Result<(), Errno> {
    if n == 0 || try_take(n) {
        return Ok(());
    }
    collect();
    if try_take(n) {
        Ok(())
    } else {
        Err(Errno::ETOOMANYREFS)
    }
}

fn id(s: &UnixSocket) -> usize {
    s as *const UnixSocket as usize
}

/// Empties the queues of unreachable sockets passed in circles.
pub fn collect() {
    if INFLIGHT.load(Ordering::SeqCst) == 0 || COLLECTING.swap(true, Ordering::SeqCst) {
        return;
    }
    let socks = super::all_sockets();
    let mut edges = Vec::new();
    for s in &socks {
        let st = s.state.lock();
        for f in st.rx.metas().flat_map(|m| m.rights.iter()) {
            if let Kind::Socket(t) = &f.kind {
                // References counted in place: no clone of ours among them.
                edges.push(Edge {
                    holder: id(s),
                    target: Arc::as_ptr(t) as *const u8 as usize,
                    refs: Arc::strong_count(f),
                });
            }
        }
    }
    let garbage = gc::garbage(&edges);
    let mut metas = Vec::new();
    if !garbage.is_empty() {
        for s in socks.iter().filter(|s| garbage.contains(&id(s))) {
            metas.extend(s.state.lock().rx.drain_meta());
        }
    }
    drop(socks);
    dispose(metas);
    COLLECTING.store(false, Ordering::SeqCst);
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
