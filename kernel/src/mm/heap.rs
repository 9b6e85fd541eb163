//! The kernel heap: `alloc` backed by a linked-list allocator over a
//! static region (link.ld `.heap`). Architecture-independent: it moved here
//! from `arch/`, which keeps only what is specific to the CPU and board.

use linked_list_allocator::LockedHeap;

/// Size of the kernel heap.
pub const HEAP_SIZE: usize = 16 << 20;

#[repr(C, align(4096))]
struct Region([u8; HEAP_SIZE]);

/// Outside .bss (link.ld `.heap`): boot.S does not spend time clearing it.
#[link_section = ".heap"]
static mut REGION: Region = Region([0; HEAP_SIZE]);

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

static INIT: spin::Once<()> = spin::Once::new();

/// Heap bytes kept free for the kernel's own small allocations: syscalls
/// that would allocate refuse to start below this (ENOMEM), and tmpfs data,
/// pipe buffers and kernel stacks must leave at least this much free.
/// Allocation failure in the heap panics (`alloc` has no fallible `Box`),
/// so every allocation a user program can drive in bulk checks first.
pub const RESERVE: usize = 1 << 20;

/// Free bytes in the heap (possibly fragmented). Safe: reads the
/// allocator's counters under its lock.
pub fn free() -> usize {
    HEAP.lock().free()
}

/// True when `bytes` more can be taken and `RESERVE` still stays free
/// (safe: as `free`).
pub fn has_room(bytes: usize) -> bool {
    free().checked_sub(RESERVE).is_some_and(|spare| spare >= bytes)
}

/// Hands the region to the allocator (once); returns its virtual start and
/// size. Safe to call any number of times from anywhere: only the first
/// call initialises, and nothing else names the region.
pub fn init() -> (u64, usize) {
    let start = core::ptr::addr_of_mut!(REGION) as *mut u8;
    INIT.call_once(|| {
        // SAFETY: REGION is used by nothing else, and Once runs this exactly once.
        unsafe { HEAP.lock().init(start, HEAP_SIZE) };
    });
    (start as u64, HEAP_SIZE)
}
