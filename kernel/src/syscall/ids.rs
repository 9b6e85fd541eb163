//! getuid(2), geteuid(2), getgid(2), getegid(2), getresuid(2),
//! getresgid(2): the current process's credentials.

use super::args::UserPtr;
use super::current::current;
use super::SyscallResult;

fn current_creds() -> kernel_perm::Creds {
    current().creds()
}

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

/// getresuid/getresgid: three ids to three user pointers.
fn put_triple(ids: (u32, u32, u32), r: UserPtr<u32>, e: UserPtr<u32>, s: UserPtr<u32>) -> SyscallResult {
    r.write(&ids.0)?;
    e.write(&ids.1)?;
    s.write(&ids.2)?;
    Ok(0)
}

pub fn sys_getresuid(r: UserPtr<u32>, e: UserPtr<u32>, s: UserPtr<u32>) -> SyscallResult {
    let c = current_creds();
    put_triple((c.uid, c.euid, c.suid), r, e, s)
}

pub fn sys_getresgid(r: UserPtr<u32>, e: UserPtr<u32>, s: UserPtr<u32>) -> SyscallResult {
    let c = current_creds();
    put_triple((c.gid, c.egid, c.sgid), r, e, s)
}
