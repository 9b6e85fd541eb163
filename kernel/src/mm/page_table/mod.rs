//! Stage-1 page tables (4 KiB granule, 39-bit VAs, walks start at level 1).
//! The kernel lives in TTBR1 (the boot linear map); each address space is a
//! TTBR0 tree of frames owned by `AddressSpace`.

use alloc::sync::Arc;
use core::arch::asm;

use crate::arch::layout::{phys_to_virt, USER_END};
use crate::mm::frame;

pub const PAGE_SIZE: u64 = 4096;

/// An owned physical frame (zeroed, unless from `alloc_unzeroed`);
/// released on drop. Not `Clone`: the frame allocator hands each frame out
/// once, so this value is its only owner until `leak` gives it to a page
/// table.
pub struct Frame {
    pa: u64,
}

impl Frame {
    /// A fresh frame, zeroed. Safe: the frame comes from the allocator,
    /// which no one else holds it from.
    pub fn alloc_zeroed() -> Option<Frame> {
        // Memory pressure: the page cache gives back clean pages, then retry.
        let pa = frame::alloc().or_else(|| {
            crate::block::cache::shrink(64);
            frame::alloc()
        })?;
        let mut f = Frame { pa };
        f.bytes_mut().fill(0);
        Some(f)
    }

    /// A fresh frame holding whatever its last owner left (not zeroed),
    /// for a caller that writes every byte before anything reads the frame
    /// or maps it: the block cache filling a page from the disk saves a
    /// pass over it. Safe: stale bytes are still plain bytes, and the
    /// frame is this value's alone; keeping them from users is the
    /// caller's duty.
    pub fn alloc_unzeroed() -> Option<Frame> {
        let pa = frame::alloc().or_else(|| {
            crate::block::cache::shrink(64);
            frame::alloc()
        })?;
        Some(Frame { pa })
    }

    /// The physical address (a number: using it to reach memory is what
    /// the unsafe code of this module does, under its own SAFETY rules).
    pub fn pa(&self) -> u64 {
        self.pa
    }

    /// The frame's bytes. Safe: `&mut self` is the exclusive borrow of the
    /// frame's only owner, so the slice aliases nothing and cannot outlive
    /// the frame.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: the frame belongs to this Frame alone (the allocator gave
        // it out once, and it is not mapped anywhere until `leak`), it is
        // RAM in the linear map, and the borrow of `self` is exclusive for
        // the slice's lifetime.
        unsafe { core::slice::from_raw_parts_mut(phys_to_virt(self.pa) as *mut u8, PAGE_SIZE as usize) }
    }

    /// The frame's bytes, to read. Safe: the only mutable access is
    /// `bytes_mut`, which needs `&mut self`, so no `&mut` slice can exist
    /// while this shared one does.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: as in `bytes_mut` (the frame is this Frame's alone, RAM in
        // the linear map); the borrow of `self` is shared, and every writer
        // needs an exclusive one, so the bytes do not change meanwhile.
        unsafe { core::slice::from_raw_parts(phys_to_virt(self.pa) as *const u8, PAGE_SIZE as usize) }
    }

    /// Gives up ownership (the frame now belongs to a page table).
    fn leak(self) -> u64 {
        let pa = self.pa;
        core::mem::forget(self);
        pa
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        // SAFETY: this Frame is the frame's owner (not leaked to a table),
        // and after drop nothing can reach it through this value.
        unsafe { frame::free(self.pa) };
    }
}

/// A frame that user mappings share with the kernel (a page of a
/// MAP_SHARED file mapping): counted (each handle and each mapping holds
/// one reference, `frame::share`), and its bytes are reached only by
/// copies through raw pointers, never a Rust reference, because user code
/// may store to them at any time. So cloning a handle, or mapping one into
/// any number of address spaces, aliases no Rust borrow.
pub struct SharedFrame {
    pa: u64,
}

impl SharedFrame {
    /// A fresh zeroed frame, not mapped anywhere yet.
    pub fn alloc_zeroed() -> Option<SharedFrame> {
        Some(SharedFrame { pa: Frame::alloc_zeroed()?.leak() })
    }

    pub fn pa(&self) -> u64 {
        self.pa
    }

    /// The frame's reference count: its handles plus its mappings.
    pub fn refs(&self) -> u32 {
        frame::refcount(self.pa)
    }

    /// Copies `buf.len()` bytes from `offset` of the frame (clipped to the
    /// page).
    pub fn read(&self, offset: usize, buf: &mut [u8]) {
        let n = buf.len().min((PAGE_SIZE as usize).saturating_sub(offset));
        // SAFETY: the frame is alive (this handle holds a reference) and RAM
        // in the linear map; `offset + n` stays inside it. No Rust reference
        // to its bytes exists anywhere (the type gives none out), so the raw
        // copy aliases none; user stores racing with it are the same as for
        // any user-memory copy (the bytes read may be old or new).
        unsafe {
            core::ptr::copy_nonoverlapping((phys_to_virt(self.pa) as *const u8).add(offset), buf.as_mut_ptr(), n)
        };
    }

    /// Copies `data` into the frame at `offset` (clipped to the page).
    pub fn write(&self, offset: usize, data: &[u8]) {
        let n = data.len().min((PAGE_SIZE as usize).saturating_sub(offset));
        // SAFETY: as in `read`: a live frame no Rust reference points into,
        // written by a raw copy inside its bounds.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), (phys_to_virt(self.pa) as *mut u8).add(offset), n) };
    }

    /// Zeros `[from, to)` of the frame.
    pub fn zero(&self, from: usize, to: usize) {
        let to = to.min(PAGE_SIZE as usize);
        if from < to {
            // SAFETY: as in `write`.
            unsafe { core::ptr::write_bytes((phys_to_virt(self.pa) as *mut u8).add(from), 0, to - from) };
        }
    }
}

impl Clone for SharedFrame {
    fn clone(&self) -> SharedFrame {
        frame::share(self.pa);
        SharedFrame { pa: self.pa }
    }
}

impl Drop for SharedFrame {
    fn drop(&mut self) {
        // SAFETY: this handle holds one reference (from `alloc_zeroed` or
        // `clone`), given up here; it never lent out a reference to the bytes.
        unsafe { frame::free(self.pa) };
    }
}

const VALID: u64 = 1;
const TABLE: u64 = 1 << 1;
const PAGE: u64 = 1 << 1;
const ATTR_NORMAL: u64 = 1 << 2;
const AP_EL0: u64 = 1 << 6;
const AP_RO: u64 = 1 << 7;
const SH_INNER: u64 = 3 << 8;
const AF: u64 = 1 << 10;
const NG: u64 = 1 << 11;
const PXN: u64 = 1 << 53;
const UXN: u64 = 1 << 54;
/// Software bit: a writable page shared copy-on-write (mapped read-only).
const COW: u64 = 1 << 55;
/// Software bit: a MAP_SHARED page, shared writable across fork.
const SHARED: u64 = 1 << 56;
/// Software bit: a page of a private file mapping (its content came from
/// a file, so zeroing it would not be what MADV_DONTNEED does).
const FILE: u64 = 1 << 57;
/// Software bit of an *invalid* level-3 descriptor (nothing mapped, so EL0
/// faults there): a page of a private file mapping wholly beyond the
/// file's end, whose touch is SIGBUS (BUS_ADRERR), not SIGSEGV, as Linux.
/// Costs no frame; the hardware ignores every bit of an invalid entry.
const BEYOND_EOF: u64 = 1 << 58;
/// Software bit of a *valid* MAP_SHARED file page whose descriptor was not
/// open for writing: mprotect may never make it writable (EACCES, Linux's
/// missing VM_MAYWRITE). Shares bit 58 with `BEYOND_EOF`, which only
/// invalid entries carry.
const NO_MAYWRITE: u64 = 1 << 58;
const ADDR_MASK: u64 = 0x0000_ffff_ffff_f000;

/// Access a user mapping grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserPerms {
    pub write: bool,
    pub exec: bool,
}

/// What a write fault on a user page turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CowFault {
    /// Copied (or taken over): retry the access.
    Resolved,
    /// Not a copy-on-write page: a real fault.
    NotCow,
    /// Copy-on-write, but no free frame for the copy.
    OutOfMemory,
}

/// A mapped page's kind (madvise and mremap decide by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// Private anonymous (copy-on-write across fork).
    Private,
    /// MAP_SHARED.
    Shared,
    /// A private file mapping.
    File,
    /// A MAP_SHARED file mapping (its frames are `SharedFrame`s of the
    /// file's mapped pages, fs::filemap).
    SharedFile,
}

/// A page in transit between two addresses of one space (mremap): owns its
/// frame; dropped, the frame's reference goes.
pub struct MovedPage(u64);

impl Drop for MovedPage {
    fn drop(&mut self) {
        // SAFETY: a MovedPage owns the reference its table entry held (the
        // entry was cleared by `take`), and it is being dropped unplaced.
        unsafe { frame::free(self.0 & ADDR_MASK) };
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    OutOfMemory,
    NotUser,
    AlreadyMapped,
}

/// A user address space: a TTBR0 tree. Page-table frames are freed with
/// the tree; mapped frames too (the tree owns what it maps).
pub struct AddressSpace {
    root: Arc<Tree>,
}

/// The tree of an address space, by its root table. Held by its
/// `AddressSpace` and, while it is the active TTBR0 tree, by `ACTIVE`: so a
/// space dropped while the CPU still translates through it (an exiting
/// process, a replaced image) is freed only once another tree, or the
/// empty one, is active.
struct Tree {
    root: Frame,
}

impl core::ops::Deref for Tree {
    type Target = Frame;
    fn deref(&self) -> &Frame {
        &self.root
    }
}

/// The tree TTBR0 points at (None: the empty table).
static ACTIVE: spin::Mutex<Option<Arc<Tree>>> = spin::Mutex::new(None);

/// Makes `tree` (None: the empty table) the active one; the tree active
/// before is let go only after TTBR0 left it.
fn set_active(tree: Option<Arc<Tree>>) {
    let _irq = crate::arch::IrqGuard::new();
    let pa = tree.as_ref().map_or_else(empty_user_table, |t| t.pa());
    activate_root(pa);
    let old = core::mem::replace(&mut *ACTIVE.lock(), tree);
    drop(old);
}

impl AddressSpace {
    pub fn new() -> Option<AddressSpace> {
        Some(AddressSpace { root: Arc::new(Tree { root: Frame::alloc_zeroed()? }) })
    }

    /// The level-3 entry for `va`, creating the intermediate tables when
    /// `create`; `None` when absent and not created.
    fn entry(&mut self, va: u64, create: bool) -> Result<Option<&mut u64>, MapError> {
        if va >= USER_END {
            return Err(MapError::NotUser);
        }
        let mut table_pa = self.root.pa();
        for level in 1..3 {
            let index = ((va >> (39 - 9 * level)) & 0x1ff) as usize;
            // SAFETY: `table_pa` is a page-table frame this space owns
            // (the root, or a table it allocated below); `&mut self`
            // guarantees no other borrow of the tree.
            let entries = unsafe { table_mut(table_pa) };
            if entries[index] & VALID == 0 {
                if !create {
                    return Ok(None);
                }
                let next = Frame::alloc_zeroed().ok_or(MapError::OutOfMemory)?;
                entries[index] = next.leak() | TABLE | VALID;
            }
            table_pa = entries[index] & ADDR_MASK;
        }
        // SAFETY: as above, the level-3 table of this space.
        let l3 = unsafe { table_mut(table_pa) };
        Ok(Some(&mut l3[((va >> 12) & 0x1ff) as usize]))
    }

    /// Maps the frame at `va` (page aligned, user half); takes ownership.
    pub fn map(&mut self, va: u64, page: Frame, perms: UserPerms) -> Result<(), MapError> {
        if va % PAGE_SIZE != 0 {
            return Err(MapError::NotUser);
        }
        let slot = self.entry(va, true)?.ok_or(MapError::OutOfMemory)?;
        if *slot & VALID != 0 {
            return Err(MapError::AlreadyMapped);
        }
        *slot = page.leak() | leaf_bits(perms);
        Ok(())
    }

    /// Maps a page of a MAP_SHARED file mapping at `va` (taking over the
    /// handle's reference); `may_write`: whether mprotect may make it
    /// writable later.
    pub fn map_shared_file(
        &mut self,
        va: u64,
        page: SharedFrame,
        perms: UserPerms,
        may_write: bool,
    ) -> Result<(), MapError> {
        if va % PAGE_SIZE != 0 {
            return Err(MapError::NotUser);
        }
        let slot = self.entry(va, true)?.ok_or(MapError::OutOfMemory)?;
        if *slot & VALID != 0 {
            return Err(MapError::AlreadyMapped);
        }
        let pa = page.pa;
        core::mem::forget(page);
        *slot = pa | leaf_bits(perms) | SHARED | FILE | if may_write { 0 } else { NO_MAYWRITE };
        Ok(())
    }

    /// Whether mprotect may make the page at `va` writable (false for a
    /// MAP_SHARED file page whose descriptor was read-only).
    pub fn may_write(&mut self, va: u64) -> bool {
        !matches!(self.entry(va, false), Ok(Some(e)) if *e & VALID != 0 && *e & NO_MAYWRITE != 0)
    }

    /// Unmaps every page that maps one of the frames `pas` (sorted) and
    /// marks it beyond the file's end (truncate of a mapped file: a touch
    /// there is SIGBUS now, as Linux). Returns how many went.
    pub fn revoke(&mut self, pas: &[u64]) -> usize {
        let mut hits = alloc::vec::Vec::new();
        walk_leaves(self.root.pa(), 1, 0, &mut |va, desc| {
            if desc & SHARED != 0 && pas.binary_search(&(desc & ADDR_MASK)).is_ok() {
                hits.push(va);
            }
        });
        for &va in &hits {
            self.unmap(va);
            self.mark_beyond_eof(va);
        }
        hits.len()
    }

    pub fn is_mapped(&mut self, va: u64) -> bool {
        matches!(self.entry(va, false), Ok(Some(e)) if *e & VALID != 0)
    }

    /// Widens the permissions of a mapped page to include `perms` and gives
    /// its bytes (for loaders that fill a page shared by two segments).
    /// Safe: only a page this space alone owns (not copy-on-write, not
    /// MAP_SHARED, reference count 1) is given out, for as long as `self`
    /// stays borrowed; None for any other.
    pub fn widen(&mut self, va: u64, perms: UserPerms) -> Option<&mut [u8]> {
        let slot = self.entry(va, false).ok()??;
        if *slot & VALID == 0 || *slot & (COW | SHARED) != 0 || frame::refcount(*slot & ADDR_MASK) != 1 {
            return None;
        }
        if perms.write {
            *slot &= !AP_RO;
        }
        if perms.exec {
            *slot &= !UXN;
        }
        let pa = *slot & ADDR_MASK;
        flush_tlb();
        // SAFETY: the frame is mapped by this space, which owns it; the
        // borrow of `self` keeps it alive and unaliased by other kernel code.
        Some(unsafe { core::slice::from_raw_parts_mut(phys_to_virt(pa) as *mut u8, PAGE_SIZE as usize) })
    }

    /// Another handle on this same tree, for clone(CLONE_VM) without
    /// CLONE_THREAD: two processes with one memory. Safe: every handle is
    /// kept in a process table entry and used only under the table's lock
    /// (one CPU), so no two handles are used at once, and the tree lives
    /// until the last handle (and `ACTIVE`) lets go.
    pub fn share(&self) -> AddressSpace {
        AddressSpace { root: self.root.clone() }
    }

    /// How many processes use this tree (Linux's mm_users): 1 unless
    /// `share` made more handles.
    pub fn users(&self) -> usize {
        let active = ACTIVE.lock().as_ref().is_some_and(|t| Arc::ptr_eq(t, &self.root));
        Arc::strong_count(&self.root) - usize::from(active)
    }

    /// The tree's identity while it lives (its root table's address):
    /// private futexes are keyed by it, as Linux keys them by mm.
    pub fn id(&self) -> u64 {
        self.root.pa()
    }

    /// A copy of this space for fork: every page is shared; writable ones
    /// become read-only copy-on-write in both spaces (`resolve_cow` copies
    /// on the first write). None when memory runs out.
    pub fn duplicate(&mut self) -> Option<AddressSpace> {
        // The leaf list lives in the kernel heap: sized up front, and only
        // when the heap can spare it (a large process forking under memory
        // pressure gets ENOMEM, not a kernel panic).
        let mut count = 0usize;
        walk_leaves(self.root.pa(), 1, 0, &mut |_, _| count += 1);
        let bytes = count.checked_mul(core::mem::size_of::<(u64, u64)>())?;
        if !crate::mm::heap::has_room(bytes) {
            return None;
        }
        let mut leaves: alloc::vec::Vec<(u64, u64)> = alloc::vec::Vec::new();
        leaves.try_reserve_exact(count).ok()?;
        let mut copy = AddressSpace::new()?;
        walk_leaves(self.root.pa(), 1, 0, &mut |va, desc| leaves.push((va, desc)));
        for (va, desc) in leaves {
            let shared =
                if desc & SHARED == 0 && (desc & AP_RO == 0 || desc & COW != 0) { desc | AP_RO | COW } else { desc };
            let slot = match copy.entry(va, true) {
                Ok(Some(slot)) => slot,
                _ => {
                    // Out of page-table frames: `copy` is dropped (its shares
                    // go back); pages already made copy-on-write stay so.
                    flush_tlb();
                    return None;
                }
            };
            frame::share(desc & ADDR_MASK);
            *slot = shared;
            if shared != desc {
                if let Ok(Some(mine)) = self.entry(va, false) {
                    *mine = shared;
                }
            }
        }
        flush_tlb();
        Some(copy)
    }

    /// A write fault at `va`: when the page is copy-on-write, gives this
    /// space its own writable copy (or takes the page over when it is the
    /// last owner).
    pub fn resolve_cow(&mut self, va: u64) -> CowFault {
        let page = va & !(PAGE_SIZE - 1);
        let Ok(Some(slot)) = self.entry(page, false) else { return CowFault::NotCow };
        let desc = *slot;
        if desc & VALID == 0 || desc & COW == 0 {
            return CowFault::NotCow;
        }
        let old = desc & ADDR_MASK;
        if frame::refcount(old) == 1 {
            *slot = desc & !(AP_RO | COW);
        } else {
            let Some(mut new) = Frame::alloc_zeroed() else { return CowFault::OutOfMemory };
            // SAFETY: `old` is mapped by this space (shared, read-only for
            // everyone), alive while we hold a reference; `new` is ours.
            let src = unsafe { core::slice::from_raw_parts(phys_to_virt(old) as *const u8, PAGE_SIZE as usize) };
            new.bytes_mut().copy_from_slice(src);
            *slot = new.leak() | (desc & !(ADDR_MASK | AP_RO | COW));
            // SAFETY: the entry held one reference to `old` and now maps
            // `new`; `src` is not used past the copy above.
            unsafe { frame::free(old) };
        }
        flush_tlb();
        CowFault::Resolved
    }

    /// Stores `value` at user address `va` (4-aligned) of this space, which
    /// need not be the active one, as an EL0 store would: only to a
    /// writable page, copying a copy-on-write page first. False when the
    /// page is unmapped, not writable, or no frame is free for the copy.
    pub fn poke_u32(&mut self, va: u64, value: u32) -> bool {
        if va % 4 != 0 {
            return false;
        }
        let page = va & !(PAGE_SIZE - 1);
        if self.resolve_cow(page) == CowFault::OutOfMemory {
            return false;
        }
        let Ok(Some(slot)) = self.entry(page, false) else { return false };
        let desc = *slot;
        if desc & VALID == 0 || desc & AP_EL0 == 0 || desc & AP_RO != 0 {
            return false;
        }
        let at = phys_to_virt(desc & ADDR_MASK) + (va & (PAGE_SIZE - 1));
        // SAFETY: the frame is mapped writable by this space alone (not
        // copy-on-write any more), `&mut self` keeps the space and so the
        // frame alive, and `at` is a 4-aligned address inside it.
        unsafe { core::ptr::write_volatile(at as *mut u32, value) };
        true
    }

    /// How many user pages are mapped (the OOM killer's measure of size).
    pub fn mapped_pages(&self) -> usize {
        let mut count = 0;
        walk_leaves(self.root.pa(), 1, 0, &mut |_, _| count += 1);
        count
    }

    /// Marks the mapped page at `va` MAP_SHARED (fork shares it writable).
    pub fn mark_shared(&mut self, va: u64) {
        self.mark(va, SHARED);
    }

    /// Marks the mapped page at `va` as part of a private file mapping.
    pub fn mark_file(&mut self, va: u64) {
        self.mark(va, FILE);
    }

    fn mark(&mut self, va: u64, bit: u64) {
        if let Ok(Some(slot)) = self.entry(va, false) {
            if *slot & VALID != 0 {
                *slot |= bit;
            }
        }
    }

    /// Records the unmapped page at `va` as lying beyond the end of the file
    /// a private mapping maps (`BEYOND_EOF`); false when `va` is mapped or
    /// no page table could be made for it (then a touch is SIGSEGV).
    pub fn mark_beyond_eof(&mut self, va: u64) -> bool {
        match self.entry(va, true) {
            Ok(Some(slot)) if *slot & VALID == 0 => {
                *slot = BEYOND_EOF;
                true
            }
            _ => false,
        }
    }

    /// Whether the page holding `va` is a `mark_beyond_eof` page.
    pub fn is_beyond_eof(&mut self, va: u64) -> bool {
        matches!(self.entry(va & !(PAGE_SIZE - 1), false), Ok(Some(e)) if *e & VALID == 0 && *e & BEYOND_EOF != 0)
    }

    /// The physical address `va` maps to, if mapped (shared futex keys).
    pub fn translate(&mut self, va: u64) -> Option<u64> {
        let Ok(Some(slot)) = self.entry(va & !(PAGE_SIZE - 1), false) else { return None };
        (*slot & VALID != 0).then_some((*slot & ADDR_MASK) | (va & (PAGE_SIZE - 1)))
    }

    /// The first mapped page at or above `va` (page aligned) and below
    /// `end`. Missing tables are skipped whole, so a sweep over a huge,
    /// mostly empty range costs its tables, not its pages.
    pub fn next_mapped(&self, va: u64, end: u64) -> Option<u64> {
        const L2_SPAN: u64 = 1 << 21;
        const L1_SPAN: u64 = 1 << 30;
        let end = end.min(USER_END);
        let mut va = va & !(PAGE_SIZE - 1);
        while va < end {
            // SAFETY: the root and the tables below it belong to this space;
            // `&self` keeps them alive, and they are only read here.
            let l1 = unsafe { core::slice::from_raw_parts(phys_to_virt(self.root.pa()) as *const u64, 512) };
            let e1 = l1[((va >> 30) & 0x1ff) as usize];
            if e1 & VALID == 0 {
                va = (va | (L1_SPAN - 1)) + 1;
                continue;
            }
            // SAFETY: as above, a level-2 table of this space.
            let l2 = unsafe { core::slice::from_raw_parts(phys_to_virt(e1 & ADDR_MASK) as *const u64, 512) };
            let e2 = l2[((va >> 21) & 0x1ff) as usize];
            if e2 & VALID == 0 {
                va = (va | (L2_SPAN - 1)) + 1;
                continue;
            }
            // SAFETY: as above, a level-3 table of this space.
            let l3 = unsafe { core::slice::from_raw_parts(phys_to_virt(e2 & ADDR_MASK) as *const u64, 512) };
            let table_end = ((va | (L2_SPAN - 1)) + 1).min(end);
            while va < table_end {
                if l3[((va >> 12) & 0x1ff) as usize] & VALID != 0 {
                    return Some(va);
                }
                va += PAGE_SIZE;
            }
        }
        None
    }

    /// What kind of page is mapped at `va`, if any.
    pub fn page_kind(&mut self, va: u64) -> Option<PageKind> {
        let Ok(Some(slot)) = self.entry(va, false) else { return None };
        let desc = *slot;
        (desc & VALID != 0).then_some(if desc & SHARED != 0 && desc & FILE != 0 {
            PageKind::SharedFile
        } else if desc & SHARED != 0 {
            PageKind::Shared
        } else if desc & FILE != 0 {
            PageKind::File
        } else {
            PageKind::Private
        })
    }

    /// MADV_DONTNEED of a private anonymous page: its content goes and a
    /// zeroed page takes its place, with the same access (a copy-on-write
    /// page becomes this space's own). False when nothing is mapped there;
    /// OutOfMemory when no frame is free (the old page stays).
    pub fn replace_zeroed(&mut self, va: u64) -> Result<bool, MapError> {
        let Ok(Some(slot)) = self.entry(va, false) else { return Ok(false) };
        let desc = *slot;
        if desc & VALID == 0 {
            return Ok(false);
        }
        let new = Frame::alloc_zeroed().ok_or(MapError::OutOfMemory)?;
        let mut bits = desc & !ADDR_MASK;
        if bits & COW != 0 {
            bits &= !(COW | AP_RO);
        }
        *slot = new.leak() | bits;
        flush_tlb();
        // SAFETY: the entry held one reference to the old frame and now
        // maps the new one; the TLB no longer has the old translation.
        unsafe { frame::free(desc & ADDR_MASK) };
        Ok(true)
    }

    /// Maps a zeroed page at `va` with the access of the page mapped at
    /// `model` (mremap growing a mapping); a copy-on-write model gives a
    /// writable page of this space's own.
    pub fn map_zeroed_like(&mut self, model: u64, va: u64) -> Result<(), MapError> {
        let bits = match self.entry(model, false)? {
            Some(slot) if *slot & VALID != 0 => *slot & !ADDR_MASK,
            _ => return Err(MapError::NotUser),
        };
        let bits = if bits & COW != 0 { bits & !(COW | AP_RO) } else { bits };
        let new = Frame::alloc_zeroed().ok_or(MapError::OutOfMemory)?;
        let slot = self.entry(va, true)?.ok_or(MapError::OutOfMemory)?;
        if *slot & VALID != 0 {
            return Err(MapError::AlreadyMapped);
        }
        *slot = new.leak() | bits;
        Ok(())
    }

    /// Takes the page at `va` out of the table, frame and access intact
    /// (mremap moves it with `put`); None when nothing is mapped there.
    pub fn take(&mut self, va: u64) -> Option<MovedPage> {
        let Ok(Some(slot)) = self.entry(va, false) else { return None };
        let desc = *slot;
        if desc & VALID == 0 {
            return None;
        }
        *slot = 0;
        flush_tlb();
        Some(MovedPage(desc))
    }

    /// Puts a page taken by `take` at `va`; on failure the page is handed
    /// back (the caller puts it back where it was).
    pub fn put(&mut self, va: u64, page: MovedPage) -> Result<(), MovedPage> {
        match self.entry(va, true) {
            Ok(Some(slot)) if *slot & VALID == 0 => {
                *slot = page.0;
                core::mem::forget(page);
                Ok(())
            }
            _ => Err(page),
        }
    }

    /// mprotect of one page: false when `va` is not mapped. A shared
    /// private page made writable stays read-only copy-on-write; `none`
    /// (PROT_NONE) takes EL0 access away entirely.
    pub fn protect(&mut self, va: u64, perms: UserPerms, none: bool) -> bool {
        let Ok(Some(slot)) = self.entry(va, false) else { return false };
        let desc = *slot;
        if desc & VALID == 0 {
            return false;
        }
        let mut new = desc | AP_RO | UXN | AP_EL0;
        new &= !COW;
        if none {
            *slot = new & !AP_EL0;
            flush_tlb();
            return true;
        }
        if perms.exec {
            new &= !UXN;
        }
        if perms.write {
            if desc & SHARED == 0 && frame::refcount(desc & ADDR_MASK) > 1 {
                new |= COW;
            } else {
                new &= !AP_RO;
            }
        }
        *slot = new;
        flush_tlb();
        true
    }

    /// Unmaps the page at `va` and frees its frame (no-op when unmapped).
    pub fn unmap(&mut self, va: u64) {
        let Ok(Some(slot)) = self.entry(va, false) else { return };
        if *slot & VALID == 0 {
            // A beyond-EOF mark goes with its mapping.
            *slot = 0;
            return;
        }
        let pa = *slot & ADDR_MASK;
        *slot = 0;
        flush_tlb();
        // SAFETY: the cleared entry held one reference to `pa`, and the
        // flushed TLB keeps no translation to it.
        unsafe { frame::free(pa) };
    }

    /// Makes this the current user address space. Safe whatever happens
    /// to `self` next: the active tree is kept alive (`ACTIVE`) until
    /// another one is activated.
    pub fn activate(&self) {
        set_active(Some(self.root.clone()));
    }
}

fn leaf_bits(perms: UserPerms) -> u64 {
    let mut desc = PAGE | VALID | ATTR_NORMAL | SH_INNER | AF | NG | AP_EL0 | PXN;
    if !perms.write {
        desc |= AP_RO;
    }
    if !perms.exec {
        desc |= UXN;
    }
    desc
}

/// A page-table frame as its 512 entries.
///
/// # Safety
/// `pa` must be a page-table frame owned by the caller's address space, with
/// no other live reference to it.
unsafe fn table_mut<'a>(pa: u64) -> &'a mut [u64] {
    // SAFETY: the caller guarantees ownership and exclusivity; the frame is
    // RAM in the linear map and page aligned.
    unsafe { core::slice::from_raw_parts_mut(phys_to_virt(pa) as *mut u64, 512) }
}

/// Calls `f(va, descriptor)` for every valid level-3 entry under the
/// table at `pa` (level `level`, covering addresses from `base`).
fn walk_leaves(pa: u64, level: u32, base: u64, f: &mut dyn FnMut(u64, u64)) {
    // SAFETY: `pa` is a page-table frame of a live address space, read only
    // while its owner is borrowed by the caller.
    let entries = unsafe { core::slice::from_raw_parts(phys_to_virt(pa) as *const u64, 512) };
    let shift = 39 - 9 * level as u64;
    for (i, &e) in entries.iter().enumerate() {
        if e & VALID == 0 {
            continue;
        }
        let va = base + ((i as u64) << shift);
        if level == 3 {
            f(va, e);
        } else {
            walk_leaves(e & ADDR_MASK, level + 1, va, f);
        }
    }
}

fn flush_tlb() {
    // SAFETY: TLB invalidation has no effect beyond dropping cached translations.
    unsafe { asm!("dsb ishst", "tlbi vmalle1", "dsb ish", "isb", options(nostack)) };
}

impl Drop for Tree {
    fn drop(&mut self) {
        fn free_level(pa: u64, level: u32) {
            // SAFETY: `pa` is a page-table frame of the space being dropped.
            let entries = unsafe { core::slice::from_raw_parts(phys_to_virt(pa) as *const u64, 512) };
            for &e in entries {
                if e & VALID != 0 {
                    let next = e & ADDR_MASK;
                    if level < 3 {
                        free_level(next, level + 1);
                    }
                    // SAFETY: the entry of the tree being dropped holds one
                    // reference to `next` (a table freed after its own
                    // entries, or a mapped page); the tree is not active
                    // (`activate` keeps an active tree alive).
                    unsafe { frame::free(next) };
                }
            }
        }
        free_level(self.root.pa(), 1);
        // The root frame itself is freed by its Frame's drop.
    }
}

#[repr(C, align(4096))]
struct EmptyTable([u64; 512]);

/// The user half while no process runs: every TTBR0 access faults.
static EMPTY_USER_TABLE: EmptyTable = EmptyTable([0; 512]);

/// Drops the boot identity map from TTBR0: from here on the low half is
/// user space only (kernel/user split). Returns the kernel's TTBR1 root.
pub fn split_kernel_user() -> u64 {
    set_active(None);
    let ttbr1: u64;
    // SAFETY: reading TTBR1_EL1 has no side effects.
    unsafe { asm!("mrs {}, ttbr1_el1", out(reg) ttbr1, options(nomem, nostack)) };
    ttbr1
}

/// The physical address of the empty user table.
fn empty_user_table() -> u64 {
    core::ptr::addr_of!(EMPTY_USER_TABLE) as u64 - crate::arch::layout::KERNEL_OFFSET
}

fn activate_root(pa: u64) {
    // SAFETY: `pa` is a valid level-1 table for the user half (or the empty
    // one); the kernel runs from TTBR1, which this does not touch. The TLB is
    // flushed so no stale user translation survives.
    unsafe {
        asm!(
            "msr ttbr0_el1, {}",
            "isb",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            in(reg) pa,
            options(nostack),
        )
    };
}

mod regions;
pub use regions::Region;
