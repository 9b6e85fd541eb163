//! mprotect(2) (PROT_READ, PROT_WRITE, PROT_EXEC; other bits EINVAL at the
//! boundary).

use super::args::ProtFlags;
use super::current::current;
use super::SyscallResult;
use crate::mm::page_table::UserPerms;
use crate::process;

pub fn sys_mprotect(addr: u64, len: usize, prot: ProtFlags) -> SyscallResult {
    let perms = UserPerms { write: prot.contains(ProtFlags::WRITE), exec: prot.contains(ProtFlags::EXEC) };
    current().with(|p| process::mprotect(p, addr, len as u64, perms, prot.is_empty())).map(|()| 0)
}
