//! sync(2): every mounted filesystem writes back (ext2: its metadata and
//! the device FLUSH; in-memory ones have nothing to write), then every
//! disk's cache is flushed (block devices write through).

use super::SyscallResult;

pub fn sys_sync() -> SyscallResult {
    // sync(2) cannot fail: a filesystem or disk that fails has logged it.
    for m in crate::fs::ns().mounts() {
        let _ = m.sb.fs.sync();
    }
    for disk in crate::drivers::virtio::disks() {
        let _ = disk.flush();
    }
    Ok(0)
}
