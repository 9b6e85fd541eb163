//! getdents64(2). Position: the file offset counts `.` and `..`; after
//! them the cursor is the last name returned, so unlinking while reading
//! (rm -r) skips nothing.

use kernel_abi::Errno;

use super::args::{Fd, UserSlice};
use super::current::current;
use super::SyscallResult;

/// Most bytes one call returns.
const MAX_BYTES: usize = 32 << 10;
/// The smallest record: 19 header bytes, a one-byte name and its NUL, aligned.
const MIN_RECLEN: usize = 24;

pub fn sys_getdents64(fd: Fd, dirp: UserSlice) -> SyscallResult {
    let file = current().file(fd)?;
    // One call returns at most this much (a short read, as Linux may).
    let count = dirp.len().min(MAX_BYTES);
    // Enough names to fill `count` (a record is at least MIN_RECLEN bytes).
    let after = file.dir_cursor.lock().clone();
    let entries = file.dir_entries(after.as_deref(), count / MIN_RECLEN + 1)?;
    let mut off = file.offset.lock();
    let mut cursor = file.dir_cursor.lock();
    // Entries still to return: `.`/`..` by offset, the rest after the cursor.
    let mut pending: alloc::vec::Vec<&(u64, u8, alloc::string::String)> = alloc::vec::Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if i >= 2 || (*off as usize) <= i {
            pending.push(e);
        }
    }
    let mut out = alloc::vec::Vec::new();
    for (ino, dtype, name) in pending {
        let reclen = (19 + name.len() + 1).div_ceil(8) * 8;
        if out.len() + reclen > count {
            if out.is_empty() {
                return Err(Errno::EINVAL);
            }
            break;
        }
        *off += 1;
        let start = out.len();
        out.extend_from_slice(&ino.to_le_bytes());
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        out.push(*dtype);
        out.extend_from_slice(name.as_bytes());
        out.resize(start + reclen, 0);
        if name != "." && name != ".." {
            *cursor = Some(name.clone());
        }
    }
    dirp.write_from(&out)?;
    Ok(out.len())
}
