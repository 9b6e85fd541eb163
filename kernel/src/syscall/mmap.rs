//! mmap(2): anonymous mappings, private or shared (file mappings: ENODEV
//! for now). `addr` is only a hint here and MAP_FIXED is EINVAL; flag bits
//! Linux does not know are ignored, as Linux does.

use kernel_abi::auxv::{MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_WRITE};
use kernel_abi::Errno;

use super::args::Fd;
use super::current::current;
use super::SyscallResult;
use crate::mm::page_table::UserPerms;
use crate::process;

/// `prot` and `flags` are `unsigned long` in the kernel's prototype.
pub fn sys_mmap(_addr: u64, len: usize, prot: u64, flags: u64, _fd: Fd, _off: i64) -> SyscallResult {
    if flags & MAP_ANONYMOUS == 0 {
        return Err(Errno::ENODEV);
    }
    let shared = match flags & (MAP_PRIVATE | MAP_SHARED) {
        MAP_PRIVATE => false,
        MAP_SHARED => true,
        _ => return Err(Errno::EINVAL),
    };
    if flags & MAP_FIXED != 0 {
        return Err(Errno::EINVAL);
    }
    let perms = UserPerms { write: prot & PROT_WRITE != 0, exec: prot & PROT_EXEC != 0 };
    current().with(|p| process::mmap_anonymous(p, len as u64, perms, shared)).map(|a| a as usize)
}
