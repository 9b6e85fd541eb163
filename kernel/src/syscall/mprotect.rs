//! mprotect(2) (PROT_READ, PROT_WRITE, PROT_EXEC; PROT_SEM accepted as on
//! Linux; other bits EINVAL at the boundary, PROT_BTI and PROT_MTE among
//! them, as Linux arm64 answers on a CPU without BTI or MTE: guarded pages
//! and tags are not implemented).

use super::args::ProtFlags;
use super::current::current;
use super::SyscallResult;
use crate::mm::page_table::UserPerms;
use crate::process;

pub fn sys_mprotect(addr: u64, len: usize, prot: ProtFlags) -> SyscallResult {
    let perms = UserPerms { write: prot.contains(ProtFlags::WRITE), exec: prot.contains(ProtFlags::EXEC) };
    current().with(|p| process::mprotect(p, addr, len as u64, perms, (prot & !ProtFlags::SEM).is_empty())).map(|()| 0)
}
