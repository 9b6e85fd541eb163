//! The kernel heap: `alloc` backed by a linked-list allocator over a
//! static region in .bss.

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

/// Hands the region to the allocator (once); returns its virtual start and size.
pub fn init() -> (u64, usize) {
    let start = core::ptr::addr_of_mut!(REGION) as *mut u8;
    INIT.call_once(|| {
        // SAFETY: REGION is used by nothing else, and Once runs this exactly once.
        unsafe { HEAP.lock().init(start, HEAP_SIZE) };
    });
    (start as u64, HEAP_SIZE)
}
