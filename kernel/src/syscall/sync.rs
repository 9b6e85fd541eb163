//! sync(2): every mounted filesystem writes back into the page cache
//! (ext2: inodes, directories and data are already there; its bitmaps,
//! group descriptors and superblock go now) and writes its disk's dirty
//! pages, then FLUSH; last, every disk's remaining dirty pages (written
//! through the device nodes) go out, then FLUSH.

use super::SyscallResult;

pub fn sys_sync() -> SyscallResult {
    // sync(2) cannot fail: a filesystem or disk that fails has logged it.
    // Pages stored to through MAP_SHARED mappings reach their files first.
    let _ = crate::fs::filemap::collect();
    for m in crate::fs::ns().mounts() {
        let _ = m.sb.fs.sync();
    }
    let _ = crate::block::cache::sync_all();
    Ok(0)
}
