//! The global physical frame allocator (bookkeeping in
//! `kernel-frame-alloc`; frames are owned through `page_table::Frame`), with
//! a reference count per frame: copy-on-write pages are shared by several
//! address spaces and freed when the last one lets go.

use kernel_frame_alloc::FrameAllocator;
use spin::Mutex;

use crate::arch::IrqGuard;

struct Frames {
    alloc: FrameAllocator,
    /// Reference counts, indexed by frame number from `base`. 32 bits: a
    /// file page of MAP_SHARED mappings takes one per mapping, and one
    /// process may map it many thousand times and then fork.
    refs: alloc::vec::Vec<u32>,
    base: u64,
}

static FRAMES: Mutex<Option<Frames>> = Mutex::new(None);

fn index(f: &Frames, pa: u64) -> Option<usize> {
    let i = (pa.checked_sub(f.base)? / 4096) as usize;
    (i < f.refs.len()).then_some(i)
}

/// Manages `ram` minus the `reserved` ranges (kernel image, DTB, initrd)
/// and minus every boot blob lent so far (`layout::boot_blob`, whose
/// soundness rests on this: no blob's RAM is ever handed out as a frame).
pub fn init(ram: (u64, u64), reserved: &[(u64, u64)]) -> (usize, usize) {
    let mut a = FrameAllocator::new(ram.0, ram.0 + ram.1);
    for (start, end) in reserved.iter().copied().chain(crate::arch::layout::seal_boot_blobs()) {
        a.reserve(start, end);
    }
    let counts = (a.total(), a.free_frames());
    let base = ram.0.div_ceil(4096) * 4096;
    let refs = alloc::vec![0u32; (ram.1 / 4096) as usize + 1];
    *FRAMES.lock() = Some(Frames { alloc: a, refs, base });
    counts
}

/// A free frame's physical address, now in use (reference count 1).
pub fn alloc() -> Option<u64> {
    let _irq = IrqGuard::new();
    let mut guard = FRAMES.lock();
    let f = guard.as_mut()?;
    let pa = f.alloc.alloc()?;
    if let Some(i) = index(f, pa) {
        f.refs[i] = 1;
    }
    Some(pa)
}

/// `count` physically contiguous free frames (DMA memory for virtio),
/// each now in use with reference count 1; the first one's address.
pub fn alloc_contiguous(count: usize) -> Option<u64> {
    let _irq = IrqGuard::new();
    let mut guard = FRAMES.lock();
    let f = guard.as_mut()?;
    let pa = f.alloc.alloc_contiguous(count)?;
    for k in 0..count as u64 {
        if let Some(i) = index(f, pa + k * 4096) {
            f.refs[i] = 1;
        }
    }
    Some(pa)
}

/// One more owner of `pa` (a copy-on-write share).
pub fn share(pa: u64) {
    let _irq = IrqGuard::new();
    let mut guard = FRAMES.lock();
    let f = guard.as_mut().expect("frames before init");
    let i = index(f, pa).unwrap_or_else(|| panic!("sharing frame {pa:#x} outside RAM"));
    f.refs[i] = f.refs[i].checked_add(1).expect("frame reference count overflow");
}

/// How many owners `pa` has.
pub fn refcount(pa: u64) -> u32 {
    let _irq = IrqGuard::new();
    let guard = FRAMES.lock();
    guard.as_ref().and_then(|f| index(f, pa).map(|i| f.refs[i])).unwrap_or(0)
}

/// One owner fewer; the frame is freed with the last.
///
/// # Safety
/// The caller gives up one reference it owns to the frame at `pa` (one
/// that `alloc`, `alloc_contiguous` or `share` gave it), and nothing of the
/// caller reaches the frame's memory afterwards: no mapping, slice or
/// pointer. Once the count reaches 0 the frame is handed out again, so a
/// surviving use would alias its next owner's memory. (A frame outside RAM
/// or not allocated is a kernel bug and panics.)
pub unsafe fn free(pa: u64) {
    let _irq = IrqGuard::new();
    let mut guard = FRAMES.lock();
    let Some(f) = guard.as_mut() else { return };
    let i = index(f, pa).unwrap_or_else(|| panic!("freeing frame {pa:#x} outside RAM"));
    if f.refs[i] == 0 {
        panic!("freeing frame {pa:#x}: not allocated");
    }
    f.refs[i] -= 1;
    if f.refs[i] == 0 {
        if let Err(e) = f.alloc.free(pa) {
            panic!("freeing frame {pa:#x}: {e:?}");
        }
    }
}

/// `(total, free)` frames.
pub fn stats() -> (usize, usize) {
    FRAMES.lock().as_ref().map_or((0, 0), |f| (f.alloc.total(), f.alloc.free_frames()))
}
