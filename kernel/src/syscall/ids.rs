//! getuid(2), geteuid(2), getgid(2), getegid(2), getresuid(2),
//! getresgid(2): the current process's credentials.

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;
use crate::process::current_creds;

pub fn sys_getuid() -> SyscallResult {
    Ok(current_creds().uid as usize)
}

pub fn sys_geteuid() -> SyscallResult {
    Ok(current_creds().euid as usize)
}

pub fn sys_getgid() -> SyscallResult {
    Ok(current_creds().gid as usize)
}

pub fn sys_getegid() -> SyscallResult {
    Ok(current_creds().egid as usize)
}

/// getresuid/getresgid: three `u32`s to three user pointers.
fn put_triple(ids: (u32, u32, u32), r: u64, e: u64, s: u64) -> SyscallResult {
    copy_to_user(r, &ids.0.to_le_bytes())?;
    copy_to_user(e, &ids.1.to_le_bytes())?;
    copy_to_user(s, &ids.2.to_le_bytes())?;
    Ok(0)
}

pub fn sys_getresuid(r: u64, e: u64, s: u64) -> SyscallResult {
    let c = current_creds();
    put_triple((c.uid, c.euid, c.suid), r, e, s)
}

pub fn sys_getresgid(r: u64, e: u64, s: u64) -> SyscallResult {
    let c = current_creds();
    put_triple((c.gid, c.egid, c.sgid), r, e, s)
}
