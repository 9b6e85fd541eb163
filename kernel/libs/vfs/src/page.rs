//! Where file data lives: whole pages from a provider the kernel injects
//! (frames from its frame allocator, outside the kernel heap) or, on the
//! host, boxed arrays with a budget (`VecPages`).

use alloc::boxed::Box;
use core::sync::atomic::{AtomicUsize, Ordering};

pub const PAGE_SIZE: usize = 4096;

/// A source of zeroed 4 KiB pages. A page goes back to the provider when
/// dropped.
pub trait PageAlloc: Send + Sync + 'static {
    type Page: AsRef<[u8]> + AsMut<[u8]> + Send + Sync;

    /// A zeroed page, or None when memory is exhausted (the filesystem
    /// then returns ENOSPC).
    fn alloc_zeroed(&self) -> Option<Self::Page>;

    /// Pages free for file data (statfs).
    fn free_pages(&self) -> usize;

    /// Pages in all (statfs).
    fn total_pages(&self) -> usize;
}

/// Heap-backed pages with a limit: the host tests' provider, and a model
/// of running out of frames.
pub struct VecPages {
    limit: usize,
    used: alloc::sync::Arc<AtomicUsize>,
}

impl VecPages {
    pub fn new(limit: usize) -> VecPages {
        VecPages { limit, used: alloc::sync::Arc::new(AtomicUsize::new(0)) }
    }

    /// Pages handed out and not yet dropped.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::SeqCst)
    }
}

pub struct VecPage {
    bytes: Box<[u8; PAGE_SIZE]>,
    used: alloc::sync::Arc<AtomicUsize>,
}

impl AsRef<[u8]> for VecPage {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..]
    }
}

impl AsMut<[u8]> for VecPage {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[..]
    }
}

impl Drop for VecPage {
    fn drop(&mut self) {
        self.used.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PageAlloc for VecPages {
    type Page = VecPage;

    fn alloc_zeroed(&self) -> Option<VecPage> {
        self.used.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |u| (u < self.limit).then_some(u + 1)).ok()?;
        Some(VecPage { bytes: Box::new([0; PAGE_SIZE]), used: self.used.clone() })
    }

    fn free_pages(&self) -> usize {
        self.limit.saturating_sub(self.used())
    }

    fn total_pages(&self) -> usize {
        self.limit
    }
}
