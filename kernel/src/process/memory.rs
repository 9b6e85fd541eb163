//! A process's anonymous memory: the brk heap, anonymous mmap, mprotect
//! and munmap, on top of its address space (mm::page_table). Every grow
//! is all or nothing: nothing is left half mapped when frames run out.

use kernel_abi::Errno;

use super::Process;
use crate::mm::page_table::{Frame, UserPerms, PAGE_SIZE};

/// Anonymous mappings are placed upwards from here.
pub const MMAP_BASE: u64 = 0x10_0000_0000;
/// Largest brk heap.
const BRK_MAX: u64 = 1 << 30;

/// brk(2): grows (or reports) the heap; returns the new break.
pub fn brk(p: &mut Process, addr: u64) -> u64 {
    let Some(space) = p.space.as_mut() else { return p.brk };
    if addr <= p.brk || addr > p.brk_start + BRK_MAX {
        // Shrinking keeps the pages (a later grow reuses them).
        if addr >= p.brk_start && addr <= p.brk {
            p.brk = addr;
        }
        return p.brk;
    }
    let first = p.brk.div_ceil(PAGE_SIZE).max(p.brk_start.div_ceil(PAGE_SIZE)) * PAGE_SIZE;
    // Fails up front (the break stays) unless free frames cover the new
    // pages and their page tables: nothing is left half mapped.
    let pages = addr.saturating_sub(first).div_ceil(PAGE_SIZE) as usize;
    if pages + pages / 512 + 3 > crate::mm::frame::stats().1 {
        return p.brk;
    }
    let mut page = first;
    while page < addr {
        if !space.is_mapped(page) {
            let Some(f) = Frame::alloc_zeroed() else { return p.brk };
            if space.map(page, f, UserPerms { write: true, exec: false }).is_err() {
                return p.brk;
            }
        }
        page += PAGE_SIZE;
    }
    p.brk = addr;
    p.brk
}

/// An anonymous mapping of `len` bytes (`shared`: MAP_SHARED, kept shared
/// with children across fork); returns its address.
pub fn mmap_anonymous(p: &mut Process, len: u64, perms: UserPerms, shared: bool) -> Result<u64, Errno> {
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    let len = len.checked_add(PAGE_SIZE - 1).ok_or(Errno::ENOMEM)? / PAGE_SIZE * PAGE_SIZE;
    let start = p.mmap_next;
    if start.checked_add(len).is_none_or(|end| end > crate::arch::layout::USER_END) {
        return Err(Errno::ENOMEM);
    }
    let mut va = start;
    while va < start + len {
        let Some(f) = Frame::alloc_zeroed() else {
            // Undo the part already mapped.
            let mut undo = start;
            while undo < va {
                space.unmap(undo);
                undo += PAGE_SIZE;
            }
            return Err(Errno::ENOMEM);
        };
        if space.map(va, f, perms).is_err() {
            // No frame for a page table: undo as above.
            let mut undo = start;
            while undo < va {
                space.unmap(undo);
                undo += PAGE_SIZE;
            }
            return Err(Errno::ENOMEM);
        }
        if shared {
            space.mark_shared(va);
        }
        va += PAGE_SIZE;
    }
    // A guard page between mappings.
    p.mmap_next = start + len + PAGE_SIZE;
    Ok(start)
}

/// mprotect(2) of whole pages; ENOMEM when part of the range is unmapped.
pub fn mprotect(p: &mut Process, addr: u64, len: u64, perms: UserPerms, none: bool) -> Result<(), Errno> {
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    let end = addr.checked_add(len.div_ceil(PAGE_SIZE) * PAGE_SIZE).ok_or(Errno::ENOMEM)?;
    let mut va = addr;
    let mut result = Ok(());
    while va < end {
        if !space.protect(va, perms, none) {
            result = Err(Errno::ENOMEM);
        }
        va += PAGE_SIZE;
    }
    result
}

/// munmap(2) of whole pages.
pub fn munmap(p: &mut Process, addr: u64, len: u64) -> Result<(), Errno> {
    if addr % PAGE_SIZE != 0 || len == 0 {
        return Err(Errno::EINVAL);
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    let end = addr.checked_add(len).ok_or(Errno::EINVAL)?;
    let mut va = addr;
    while va < end {
        space.unmap(va);
        va += PAGE_SIZE;
    }
    Ok(())
}
