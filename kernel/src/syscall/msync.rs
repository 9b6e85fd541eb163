//! msync(2): MS_SYNC writes the MAP_SHARED file pages of the range back
//! into their files and syncs those files (ext2: to the disk); MS_ASYNC
//! does nothing more, as Linux since 2.6.19 (the pages are the file's
//! already, and sync, fsync or the periodic flusher write them out);
//! MS_INVALIDATE has nothing to drop (the mapped pages are the file's).
//! EINVAL for an unaligned address, unknown flags or MS_SYNC with
//! MS_ASYNC; ENOMEM when part of the range is unmapped (the rest is
//! synced).

use kernel_abi::Errno;

use super::current::current;
use super::SyscallResult;
use crate::arch::layout::USER_END;
use crate::mm::page_table::{PageKind, PAGE_SIZE};

const MS_ASYNC: u64 = 1;
const MS_INVALIDATE: u64 = 2;
const MS_SYNC: u64 = 4;

pub fn sys_msync(addr: u64, len: usize, flags: u64) -> SyscallResult {
    if addr % PAGE_SIZE != 0
        || flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC
    {
        return Err(Errno::EINVAL);
    }
    let len = (len as u64).checked_add(PAGE_SIZE - 1).ok_or(Errno::ENOMEM)? / PAGE_SIZE * PAGE_SIZE;
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    if len == 0 {
        return Ok(0);
    }
    // The frames of the range's shared file pages, and whether a page is
    // missing (Linux: ENOMEM after syncing what is mapped).
    let (mut frames, hole) = current().with(|p| {
        let mut frames = alloc::vec::Vec::new();
        let mut hole = end > USER_END;
        let Some(space) = p.space.as_mut() else { return Ok((frames, true)) };
        let mut va = addr;
        while va < end.min(USER_END) {
            match space.next_mapped(va, end) {
                Some(at) => {
                    hole |= at != va;
                    if flags & MS_SYNC != 0 && space.page_kind(at) == Some(PageKind::SharedFile) {
                        if let Some(pa) = space.translate(at) {
                            frames.push(pa);
                        }
                    }
                    va = at + PAGE_SIZE;
                }
                None => {
                    hole = true;
                    break;
                }
            }
        }
        Ok((frames, hole))
    })?;
    if !frames.is_empty() {
        frames.sort_unstable();
        frames.dedup();
        for node in crate::fs::filemap::sync_frames(&frames)? {
            node.sync()?;
        }
    }
    if hole {
        return Err(Errno::ENOMEM);
    }
    Ok(0)
}
