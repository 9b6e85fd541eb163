//! The global cap on socket buffer memory: every byte queued on any socket
//! (plus a fixed overhead per message, Linux's skb truesize in spirit) is
//! charged here first, so a program that fills sockets and never reads
//! gets EAGAIN/ENOBUFS, never a kernel heap exhausted.

use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes charged per queued message besides its data.
pub const MSG_OVERHEAD: usize = 256;

/// The kernel's cap on all socket buffers together: 4 MiB (a quarter of
/// the 16 MiB kernel heap).
pub const SOCKET_MEMORY_CAP: usize = 4 << 20;

pub struct Budget {
    cap: usize,
    used: AtomicUsize,
}

impl Budget {
    pub const fn new(cap: usize) -> Budget {
        Budget { cap, used: AtomicUsize::new(0) }
    }

    /// Takes `n` bytes if they fit under the cap.
    pub fn try_charge(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| u.checked_add(n).filter(|&t| t <= self.cap))
            .is_ok()
    }

    pub fn release(&self, n: usize) {
        let _ = self.used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| Some(u.saturating_sub(n)));
    }

    pub fn used(&self) -> usize {
        self.used.load(Ordering::SeqCst)
    }

    pub fn cap(&self) -> usize {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_up_to_the_cap() {
        let b = Budget::new(100);
        assert!(b.try_charge(60));
        assert!(!b.try_charge(41));
        assert!(b.try_charge(40));
        b.release(100);
        assert_eq!(b.used(), 0);
        b.release(5);
        assert_eq!(b.used(), 0);
    }
}
