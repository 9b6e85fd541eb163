//! File pages for tmpfs: frames from the frame allocator, so file data
//! lives outside the 16 MiB kernel heap and a file may grow as large as
//! free RAM allows. A reserve of frames stays for processes (fork, exec,
//! page tables), and the heap keeps room for the page index: past either,
//! tmpfs writes fail with ENOSPC, never a panic.

use kernel_vfs::PageAlloc;

use crate::mm::page_table::Frame;

/// Frames tmpfs leaves free (4 MiB): enough for a shell to fork and run
/// `rm` once memory is full of files.
pub const RESERVED_FRAMES: usize = 1024;

pub struct FramePages;

impl FramePages {
    fn free_now() -> usize {
        crate::mm::frame::stats().1.saturating_sub(RESERVED_FRAMES)
    }
}

/// One frame of file data, freed when dropped.
pub struct FilePage(Frame);

impl AsRef<[u8]> for FilePage {
    fn as_ref(&self) -> &[u8] {
        self.0.bytes()
    }
}

impl AsMut<[u8]> for FilePage {
    fn as_mut(&mut self) -> &mut [u8] {
        self.0.bytes_mut()
    }
}

impl PageAlloc for FramePages {
    type Page = FilePage;

    fn alloc_zeroed(&self) -> Option<FilePage> {
        if Self::free_now() == 0 {
            // The page cache gives back clean pages under pressure.
            crate::block::cache::shrink(64);
        }
        if Self::free_now() == 0 || super::check_space(0).is_err() {
            return None;
        }
        Frame::alloc_zeroed().map(FilePage)
    }

    /// Free frames past the reserve, plus the page cache's clean pages
    /// (they are given back on demand).
    fn free_pages(&self) -> usize {
        Self::free_now() + crate::block::cache::reclaimable_pages()
    }

    fn total_pages(&self) -> usize {
        crate::mm::frame::stats().0
    }
}
