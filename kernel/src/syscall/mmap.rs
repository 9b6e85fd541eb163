//! mmap(2): anonymous mappings, private or shared (file mappings: ENODEV
//! for now), and mprotect(2).

use kernel_abi::auxv::{MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_WRITE};
use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::page_table::UserPerms;
use crate::process;

pub fn sys_mmap(_addr: u64, len: u64, prot: u64, flags: u64, _fd: u64, _off: u64) -> SyscallResult {
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
    process::with_current(|p| process::mmap_anonymous(p, len, perms, shared))?.map(|a| a as usize)
}

pub fn sys_mprotect(addr: u64, len: u64, prot: u64) -> SyscallResult {
    if prot & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let perms = UserPerms { write: prot & PROT_WRITE != 0, exec: prot & PROT_EXEC != 0 };
    process::with_current(|p| process::mprotect(p, addr, len, perms, prot == 0))?.map(|()| 0)
}
