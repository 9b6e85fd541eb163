//! A process's memory: the brk heap, mmap (anonymous, a private copy of a
//! file's pages, or a file's shared pages: fs::filemap), mprotect, munmap,
//! madvise and mremap, on top of its
//! address space (mm::page_table). Every grow is all or nothing: nothing
//! is left half mapped when frames run out.

use alloc::vec::Vec;

use kernel_abi::Errno;

use super::Process;
use crate::arch::layout::USER_END;
use crate::mm::page_table::{AddressSpace, Frame, MapError, PageKind, SharedFrame, UserPerms, PAGE_SIZE};

/// Anonymous mappings are placed upwards from here.
pub const MMAP_BASE: u64 = 0x10_0000_0000;
/// Largest brk heap.
const BRK_MAX: u64 = 1 << 30;
/// The lowest address MAP_FIXED may map (Linux's vm.mmap_min_addr).
const MMAP_MIN_ADDR: u64 = 0x1_0000;

/// brk(2): grows (or reports) the heap; returns the new break.
pub fn brk(p: &mut Process, addr: u64) -> u64 {
    if addr >= p.brk_start && addr < p.brk {
        p.sample_rss();
    }
    let Some(space) = p.space.as_mut() else { return p.brk };
    if addr <= p.brk || addr > p.brk_start + BRK_MAX {
        // Shrinking unmaps the whole pages above the new break, as Linux's
        // brk (do_vmi_align_munmap from PAGE_ALIGN(new) to PAGE_ALIGN(old)):
        // reading them afterwards is SIGSEGV SEGV_MAPERR.
        if addr >= p.brk_start && addr <= p.brk {
            let (from, to) = (addr.div_ceil(PAGE_SIZE) * PAGE_SIZE, p.brk.div_ceil(PAGE_SIZE) * PAGE_SIZE);
            if to > from {
                unmap_range(space, from, to - from);
            }
            p.brk = addr;
        }
        return p.brk;
    }
    let first = p.brk.div_ceil(PAGE_SIZE).max(p.brk_start.div_ceil(PAGE_SIZE)) * PAGE_SIZE;
    // Fails up front (the break stays) unless free frames cover the new
    // pages and their page tables: nothing is left half mapped.
    let pages = addr.saturating_sub(first).div_ceil(PAGE_SIZE) as usize;
    if !frames_for(pages) {
        return p.brk;
    }
    // RLIMIT_DATA bounds the heap, RLIMIT_AS everything mapped.
    use super::rlimit::RLIMIT_DATA;
    if addr - p.brk_start > p.rlimits.0[RLIMIT_DATA].cur
        || !super::rlimit::address_space_allows(&p.rlimits, space.mapped_pages() as u64 + pages as u64)
    {
        return p.brk;
    }
    // Another mapping in the way (a hinted or MAP_FIXED mmap above the
    // break): the break stays, as Linux's find_vma_intersection check.
    if addr > first && any_mapped(space, first, addr - first) {
        return p.brk;
    }
    let mut page = first;
    while page < addr {
        let Some(f) = Frame::alloc_zeroed() else {
            unmap_range(space, first, page - first);
            return p.brk;
        };
        if space.map(page, f, UserPerms { write: true, exec: false }).is_err() {
            unmap_range(space, first, page - first);
            return p.brk;
        }
        page += PAGE_SIZE;
    }
    p.brk = addr;
    p.brk
}

/// Whether free frames cover `pages` new pages and their page tables.
fn frames_for(pages: usize) -> bool {
    pages + pages / 512 + 3 <= crate::mm::frame::stats().1
}

/// `len` rounded up to whole pages; None when that overflows.
pub fn page_len(len: u64) -> Option<u64> {
    Some(len.checked_add(PAGE_SIZE - 1)? / PAGE_SIZE * PAGE_SIZE)
}

/// Where a mapping goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The kernel chooses.
    Any,
    /// A hint without MAP_FIXED: there when the range is free (rounded down
    /// to a page, at least mmap_min_addr), else where the kernel chooses.
    Hint(u64),
    /// MAP_FIXED: exactly here, replacing what was mapped.
    Fixed(u64),
    /// MAP_FIXED_NOREPLACE: exactly here, EEXIST when anything is mapped.
    FixedNoReplace(u64),
}

/// One mmap(2) call, decoded.
#[derive(Debug, Clone, Copy)]
pub struct MapRequest {
    pub placement: Placement,
    pub len: u64,
    pub perms: UserPerms,
    /// PROT_NONE: mapped, but no access at all.
    pub none: bool,
    /// MAP_SHARED (kept shared with children across fork).
    pub shared: bool,
}

/// What a new mapping maps.
pub enum Content {
    /// Zeroed pages.
    Anonymous,
    /// A private file mapping: one frame per page from the start.
    Private(Vec<Frame>),
    /// A MAP_SHARED file mapping: the file's mapped pages from the start;
    /// `may_write`: the descriptor was open for writing (mprotect may add
    /// PROT_WRITE).
    Shared { pages: Vec<SharedFrame>, may_write: bool },
}

/// Maps `req` with `content`; returns its address. File pages wholly past
/// the file's end (beyond the pages given) are not mapped but marked, so
/// touching them is SIGBUS.
pub fn mmap(p: &mut Process, req: &MapRequest, content: Content) -> Result<u64, Errno> {
    if req.len == 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_len(req.len).ok_or(Errno::ENOMEM)?;
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    // Sizes are checked before any placement search or unmapping.
    let pages = (len / PAGE_SIZE) as usize;
    if !super::rlimit::address_space_allows(&p.rlimits, space.mapped_pages() as u64 + pages as u64) {
        return Err(Errno::ENOMEM);
    }
    let file = !matches!(content, Content::Anonymous);
    if !matches!(content, Content::Private(_)) && !frames_for(pages) {
        return Err(Errno::ENOMEM);
    }
    let mut chosen = false;
    let start = match req.placement {
        // Linux's round_hint_to_min and arch_get_unmapped_area: a free
        // hinted range is used as it is.
        Placement::Hint(addr)
            if (addr & !(PAGE_SIZE - 1)).max(MMAP_MIN_ADDR).checked_add(len).is_some_and(|e| e <= USER_END)
                && !any_mapped(space, (addr & !(PAGE_SIZE - 1)).max(MMAP_MIN_ADDR), len) =>
        {
            (addr & !(PAGE_SIZE - 1)).max(MMAP_MIN_ADDR)
        }
        Placement::Any | Placement::Hint(_) => {
            chosen = true;
            find_free(space, p.mmap_next, len).ok_or(Errno::ENOMEM)?
        }
        Placement::Fixed(addr) | Placement::FixedNoReplace(addr) => {
            if addr % PAGE_SIZE != 0 {
                return Err(Errno::EINVAL);
            }
            if addr.checked_add(len).is_none_or(|end| end > USER_END) {
                return Err(Errno::ENOMEM);
            }
            if addr < MMAP_MIN_ADDR {
                return Err(Errno::EPERM);
            }
            if matches!(req.placement, Placement::FixedNoReplace(_)) && any_mapped(space, addr, len) {
                return Err(Errno::EEXIST);
            }
            addr
        }
    };
    if matches!(req.placement, Placement::Fixed(_)) {
        unmap_range(space, start, len);
    }
    let (mut private, mut shared, may_write) = match content {
        Content::Anonymous => (None, None, true),
        Content::Private(pages) => (Some(pages.into_iter()), None, true),
        Content::Shared { pages, may_write } => (None, Some(pages.into_iter()), may_write),
    };
    let mut va = start;
    let mut failed = false;
    while va < start + len {
        if let Some(pages) = shared.as_mut() {
            let Some(page) = pages.next() else {
                let mut at = va;
                while at < start + len && space.mark_beyond_eof(at) {
                    at += PAGE_SIZE;
                }
                break;
            };
            if space.map_shared_file(va, page, req.perms, may_write).is_err() {
                failed = true;
                break;
            }
            if req.none {
                space.protect(va, req.perms, true);
            }
            va += PAGE_SIZE;
            continue;
        }
        let frame = match private.as_mut() {
            Some(pages) => match pages.next() {
                Some(f) => f,
                None => {
                    // The rest lies wholly beyond the file's end: unmapped,
                    // and a touch there is SIGBUS (fault.rs), as Linux.
                    let mut at = va;
                    while at < start + len && space.mark_beyond_eof(at) {
                        at += PAGE_SIZE;
                    }
                    break;
                }
            },
            None => match Frame::alloc_zeroed() {
                Some(f) => f,
                None => {
                    failed = true;
                    break;
                }
            },
        };
        if space.map(va, frame, req.perms).is_err() {
            failed = true;
            break;
        }
        if req.none {
            space.protect(va, req.perms, true);
        }
        if req.shared {
            space.mark_shared(va);
        }
        if file {
            space.mark_file(va);
        }
        va += PAGE_SIZE;
    }
    if failed {
        // Undo the part already mapped.
        unmap_range(space, start, va - start);
        return Err(Errno::ENOMEM);
    }
    if chosen {
        // A guard page between mappings.
        p.mmap_next = start + len + PAGE_SIZE;
    }
    Ok(start)
}

/// The first address at or above `from` with `len` bytes unmapped.
fn find_free(space: &mut AddressSpace, from: u64, len: u64) -> Option<u64> {
    let mut start = from;
    loop {
        let end = start.checked_add(len).filter(|&e| e <= USER_END)?;
        match space.next_mapped(start, end) {
            // A guard page after what is in the way.
            Some(va) => start = va + 2 * PAGE_SIZE,
            None => return Some(start),
        }
    }
}

fn any_mapped(space: &mut AddressSpace, start: u64, len: u64) -> bool {
    space.next_mapped(start, start.saturating_add(len)).is_some()
}

fn unmap_range(space: &mut AddressSpace, start: u64, len: u64) {
    let end = start.saturating_add(len);
    let mut next = start;
    while let Some(va) = space.next_mapped(next, end) {
        space.unmap(va);
        next = va + PAGE_SIZE;
    }
}

/// mprotect(2) of whole pages; ENOMEM when part of the range is unmapped.
pub fn mprotect(p: &mut Process, addr: u64, len: u64, perms: UserPerms, none: bool) -> Result<(), Errno> {
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    let len = len.div_ceil(PAGE_SIZE) * PAGE_SIZE;
    // (A MAP_SHARED file page whose descriptor was read-only never becomes
    // writable: EACCES at it, what lies before it changed, as Linux's
    // per-mapping walk.)
    addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    // Linux's do_mprotect_pkey walks the mappings from `addr` and stops at
    // the first hole with ENOMEM: what lies before it is changed, nothing
    // after it (a huge length must not reach the stack beyond the hole).
    let end = addr + len;
    let mut next = addr;
    while next < end {
        if space.next_mapped(next, next + PAGE_SIZE) != Some(next) {
            return Err(Errno::ENOMEM);
        }
        if perms.write && !none && !space.may_write(next) {
            return Err(Errno::EACCES);
        }
        space.protect(next, perms, none);
        next += PAGE_SIZE;
    }
    Ok(())
}

/// munmap(2) of whole pages.
pub fn munmap(p: &mut Process, addr: u64, len: u64) -> Result<(), Errno> {
    // Linux's do_vmi_munmap: the range must lie below TASK_SIZE (a kernel
    // address, or a length past the top, is EINVAL, never a partial unmap).
    if addr % PAGE_SIZE != 0 || len == 0 || addr > USER_END || len > USER_END - addr {
        return Err(Errno::EINVAL);
    }
    p.sample_rss();
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    unmap_range(space, addr, len);
    Ok(())
}

/// madvise(2) advice (asm-generic/mman-common.h).
pub mod advice {
    pub const NORMAL: u64 = 0;
    pub const RANDOM: u64 = 1;
    pub const SEQUENTIAL: u64 = 2;
    pub const WILLNEED: u64 = 3;
    pub const DONTNEED: u64 = 4;
    pub const FREE: u64 = 8;
    pub const MERGEABLE: u64 = 12;
    pub const UNMERGEABLE: u64 = 13;
    pub const HUGEPAGE: u64 = 14;
    pub const NOHUGEPAGE: u64 = 15;
    pub const DONTDUMP: u64 = 16;
    pub const DODUMP: u64 = 17;
    pub const COLD: u64 = 20;
    pub const PAGEOUT: u64 = 21;
    pub const DONTNEED_LOCKED: u64 = 24;
}

/// madvise(2). Hints about access patterns, reclaim, huge pages, merging
/// and core dumps change nothing observable here (every page is resident,
/// there is no swap, no core dump): accepted. MADV_DONTNEED gives private
/// anonymous pages fresh zeroed ones (shared pages keep their content, as
/// Linux's shmem does); on a private file mapping it is EINVAL (the file
/// content is not re-read). MADV_FREE keeps the content (allowed: the
/// kernel frees such pages only under pressure). Other advice: EINVAL.
/// ENOMEM when part of the range is unmapped (the rest is advised).
pub fn madvise(p: &mut Process, addr: u64, len: u64, advice: u64) -> Result<(), Errno> {
    use advice::*;
    if addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_len(len).ok_or(Errno::EINVAL)?;
    addr.checked_add(len).filter(|&e| e <= USER_END).ok_or(Errno::EINVAL)?;
    let known = matches!(
        advice,
        NORMAL
            | RANDOM
            | SEQUENTIAL
            | WILLNEED
            | DONTNEED
            | FREE
            | MERGEABLE
            | UNMERGEABLE
            | HUGEPAGE
            | NOHUGEPAGE
            | DONTDUMP
            | DODUMP
            | COLD
            | PAGEOUT
            | DONTNEED_LOCKED
    );
    if !known {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(());
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    let mut mapped = 0;
    let mut any_file = false;
    let mut any_shared = false;
    let mut next = addr;
    while let Some(va) = space.next_mapped(next, addr + len) {
        mapped += 1;
        match space.page_kind(va) {
            Some(PageKind::File) => any_file = true,
            Some(PageKind::Shared | PageKind::SharedFile) => any_shared = true,
            _ => {}
        }
        next = va + PAGE_SIZE;
    }
    let unmapped = mapped < len / PAGE_SIZE;
    match advice {
        DONTNEED | DONTNEED_LOCKED => {
            if any_file {
                return Err(Errno::EINVAL);
            }
            let mut next = addr;
            while let Some(va) = space.next_mapped(next, addr + len) {
                next = va + PAGE_SIZE;
                if space.page_kind(va) == Some(PageKind::Private) {
                    match space.replace_zeroed(va) {
                        Ok(_) => {}
                        Err(MapError::OutOfMemory) => return Err(Errno::EAGAIN),
                        Err(_) => return Err(Errno::EINVAL),
                    }
                }
            }
        }
        FREE if any_file || any_shared => return Err(Errno::EINVAL),
        _ => {}
    }
    if unmapped {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

pub const MREMAP_MAYMOVE: u64 = 1;
pub const MREMAP_FIXED: u64 = 2;
pub const MREMAP_DONTUNMAP: u64 = 4;

/// mremap(2) of anonymous memory: shrinking unmaps the tail; growing maps
/// zeroed pages after the old ones in place when they are free, else (with
/// MREMAP_MAYMOVE) moves the pages to a free range; MREMAP_FIXED moves
/// them to `new_addr`. Growing a private file mapping, `old_len` 0 and
/// MREMAP_DONTUNMAP: EINVAL (a shared file mapping too: growing it is
/// not implemented). Returns the mapping's address.
pub fn mremap(p: &mut Process, old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> Result<u64, Errno> {
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
        || flags & MREMAP_DONTUNMAP != 0
        || (flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0)
        || old % PAGE_SIZE != 0
    {
        return Err(Errno::EINVAL);
    }
    let old_len = page_len(old_len).ok_or(Errno::EINVAL)?;
    let new_len = page_len(new_len).ok_or(Errno::EINVAL)?;
    if new_len == 0 || old_len == 0 {
        return Err(Errno::EINVAL);
    }
    let space = p.space.as_mut().ok_or(Errno::EINVAL)?;
    if old.checked_add(old_len).is_none_or(|e| e > USER_END) {
        return Err(Errno::EFAULT);
    }
    let old_pages = old_len / PAGE_SIZE;
    let mut file = false;
    for i in 0..old_pages {
        match space.page_kind(old + i * PAGE_SIZE) {
            None => return Err(Errno::EFAULT),
            Some(PageKind::File | PageKind::SharedFile) => file = true,
            Some(_) => {}
        }
    }
    let grow = new_len > old_len;
    if grow && file {
        return Err(Errno::EINVAL);
    }
    let extra = (new_len.saturating_sub(old_len) / PAGE_SIZE) as usize;
    if extra > 0 && !super::rlimit::address_space_allows(&p.rlimits, space.mapped_pages() as u64 + extra as u64) {
        return Err(Errno::ENOMEM);
    }
    if flags & MREMAP_FIXED == 0 {
        if !grow {
            unmap_range(space, old + new_len, old_len - new_len);
            return Ok(old);
        }
        // In place, when the pages after the mapping are free.
        let end = old.checked_add(new_len).filter(|&e| e <= USER_END);
        if let Some(end) = end {
            if !any_mapped(space, old + old_len, new_len - old_len) {
                if !frames_for(extra) {
                    return Err(Errno::ENOMEM);
                }
                grow_in_place(space, old, old_len, new_len)?;
                if end > p.mmap_next {
                    p.mmap_next = end + PAGE_SIZE;
                }
                return Ok(old);
            }
        }
        if flags & MREMAP_MAYMOVE == 0 {
            return Err(Errno::ENOMEM);
        }
    }
    // Moving.
    let target = if flags & MREMAP_FIXED != 0 {
        if new_addr % PAGE_SIZE != 0 {
            return Err(Errno::EINVAL);
        }
        if new_addr.checked_add(new_len).is_none_or(|e| e > USER_END) {
            return Err(Errno::EINVAL);
        }
        // The ranges may not overlap.
        if new_addr < old + old_len && old < new_addr + new_len {
            return Err(Errno::EINVAL);
        }
        new_addr
    } else {
        find_free(space, p.mmap_next, new_len).ok_or(Errno::ENOMEM)?
    };
    if !frames_for(extra + (new_len / PAGE_SIZE) as usize / 512) {
        return Err(Errno::ENOMEM);
    }
    if flags & MREMAP_FIXED != 0 {
        unmap_range(space, target, new_len);
    }
    let keep = old_len.min(new_len);
    // Move page by page; on failure, move back what already went.
    let mut moved = 0;
    while moved < keep {
        let Some(page) = space.take(old + moved) else { break };
        if let Err(page) = space.put(target + moved, page) {
            let _ = space.put(old + moved, page);
            while moved > 0 {
                moved -= PAGE_SIZE;
                if let Some(back) = space.take(target + moved) {
                    let _ = space.put(old + moved, back);
                }
            }
            return Err(Errno::ENOMEM);
        }
        moved += PAGE_SIZE;
    }
    if grow {
        if let Err(e) = grow_in_place(space, target, old_len, new_len) {
            unmap_range(space, target, new_len);
            unmap_range(space, old, old_len);
            return Err(e);
        }
    } else {
        unmap_range(space, old + new_len, old_len - new_len);
    }
    if flags & MREMAP_FIXED == 0 {
        p.mmap_next = target + new_len + PAGE_SIZE;
    }
    Ok(target)
}

/// Maps zeroed pages from `start + old_len` to `start + new_len`, with the
/// access of the mapping's last page (shared stays shared).
fn grow_in_place(space: &mut AddressSpace, start: u64, old_len: u64, new_len: u64) -> Result<(), Errno> {
    let model = start + old_len - PAGE_SIZE;
    let shared = space.page_kind(model) == Some(PageKind::Shared);
    let mut va = start + old_len;
    while va < start + new_len {
        if space.map_zeroed_like(model, va).is_err() {
            unmap_range(space, start + old_len, va - (start + old_len));
            return Err(Errno::ENOMEM);
        }
        if shared {
            space.mark_shared(va);
        }
        va += PAGE_SIZE;
    }
    Ok(())
}

/// The content of a private file mapping of `len` bytes from `offset`:
/// one zero-filled frame per page that holds file bytes, read through the
/// file read path (pread: the caller's offset does not move). Only regular
/// files opened for reading map (EACCES, ENODEV as Linux); `shared`: the
/// file's own mapped pages (fs::filemap) instead of copies.
pub fn file_pages(file: &crate::fs::file::OpenFile, offset: u64, len: u64, shared: bool) -> Result<Content, Errno> {
    use crate::fs::file::Kind;
    use crate::fs::FileType;
    // Linux checks the descriptor's read access (EACCES) first, then
    // whether the file can be mapped: regular files only (procfs files
    // have no mmap either: ENODEV).
    if !file.readable() {
        return Err(Errno::EACCES);
    }
    let regular = file.node.getattr()?.file_type() == Some(FileType::Regular);
    if !regular || !matches!(file.kind, Kind::Inode) {
        return Err(Errno::ENODEV);
    }
    let len = page_len(len).ok_or(Errno::ENOMEM)?;
    offset.checked_add(len).filter(|&e| e <= i64::MAX as u64).ok_or(Errno::EOVERFLOW)?;
    if shared {
        if !frames_for((len / PAGE_SIZE) as usize) {
            return Err(Errno::ENOMEM);
        }
        let pages = crate::fs::filemap::map_pages(&file.node, file.path.clone(), offset / PAGE_SIZE, len / PAGE_SIZE)?;
        return Ok(Content::Shared { pages, may_write: file.writable() });
    }
    let mut pages = Vec::new();
    let mut done = 0;
    while done < len {
        if !crate::mm::heap::has_room(core::mem::size_of::<Frame>()) {
            return Err(Errno::ENOMEM);
        }
        pages.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        let mut frame = Frame::alloc_zeroed().ok_or(Errno::ENOMEM)?;
        let mut filled = 0;
        {
            let bytes = frame.bytes_mut();
            while filled < bytes.len() {
                let n = file.pread(offset + done + filled as u64, &mut bytes[filled..])?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
        }
        if filled == 0 {
            break;
        }
        pages.push(frame);
        done += PAGE_SIZE;
        if filled < PAGE_SIZE as usize {
            break;
        }
    }
    Ok(Content::Private(pages))
}
