//! munmap(2). Pages of MAP_SHARED file mappings no mapping holds any
//! more are written back into their files and let go (fs::filemap).

use super::current::current;
use super::SyscallResult;
use crate::process;

pub fn sys_munmap(addr: u64, len: usize) -> SyscallResult {
    current().with(|p| process::munmap(p, addr, len as u64))?;
    crate::fs::filemap::collect_unmapped();
    Ok(0)
}
