//! setuid(2), setgid(2), setreuid(2), setregid(2), setresuid(2),
//! setresgid(2): Linux's rules (`kernel_perm::{setid, setre, setres}`);
//! "privileged" is an effective uid of 0 for both the uid and the gid
//! calls (no capabilities). The filesystem uid follows the effective one.

use kernel_abi::Errno;
use kernel_perm::{Creds, SetError};

use super::SyscallResult;
use crate::process;

type Triple = (u32, u32, u32);
type Rule<'a> = &'a dyn Fn(Triple, bool) -> Result<Triple, SetError>;

/// Applies `rule` to the uid triple (`user`) or the gid triple.
fn apply(user: bool, rule: Rule) -> SyscallResult {
    process::with_current(|p| {
        let c: &mut Creds = &mut p.creds;
        let privileged = c.euid == 0;
        let old = if user { (c.uid, c.euid, c.suid) } else { (c.gid, c.egid, c.sgid) };
        let new = rule(old, privileged).map_err(|e| match e {
            SetError::NotPermitted => Errno::EPERM,
            SetError::Invalid => Errno::EINVAL,
        })?;
        if user {
            (c.uid, c.euid, c.suid) = new;
        } else {
            (c.gid, c.egid, c.sgid) = new;
        }
        Ok(0)
    })?
}

/// The 32-bit id in a register (`-1` as passed by C is `0xffffffff`).
fn id(v: u64) -> u32 {
    v as u32
}

pub fn sys_setuid(uid: u64) -> SyscallResult {
    apply(true, &|old, privileged| kernel_perm::setid(old, privileged, id(uid)))
}

pub fn sys_setgid(gid: u64) -> SyscallResult {
    apply(false, &|old, privileged| kernel_perm::setid(old, privileged, id(gid)))
}

pub fn sys_setreuid(r: u64, e: u64) -> SyscallResult {
    apply(true, &|old, privileged| kernel_perm::setre(old, privileged, id(r), id(e)))
}

pub fn sys_setregid(r: u64, e: u64) -> SyscallResult {
    apply(false, &|old, privileged| kernel_perm::setre(old, privileged, id(r), id(e)))
}

pub fn sys_setresuid(r: u64, e: u64, s: u64) -> SyscallResult {
    apply(true, &|old, privileged| kernel_perm::setres(old, privileged, id(r), id(e), id(s)))
}

pub fn sys_setresgid(r: u64, e: u64, s: u64) -> SyscallResult {
    apply(false, &|old, privileged| kernel_perm::setres(old, privileged, id(r), id(e), id(s)))
}
