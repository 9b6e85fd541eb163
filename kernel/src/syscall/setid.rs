//! setuid(2), setgid(2), setreuid(2), setregid(2), setresuid(2),
//! setresgid(2): Linux's rules (`kernel_perm::{setid, setre, setres}`);
//! "privileged" is an effective uid of 0 for both the uid and the gid
//! calls (no capabilities). The filesystem uid follows the effective one.

use kernel_abi::Errno;
use kernel_perm::{Creds, SetError};

use super::current::{current, is_privileged};
use super::SyscallResult;

type Triple = (u32, u32, u32);
type Rule<'a> = &'a dyn Fn(Triple, bool) -> Result<Triple, SetError>;

/// Ids are `uid_t`/`gid_t` (32 bits; `-1`, "unchanged", is 0xffffffff).
/// Applies `rule` to the uid triple (`user`) or the gid triple.
fn apply(user: bool, rule: Rule) -> SyscallResult {
    current().with(|p| {
        let c: &mut Creds = &mut p.creds;
        let privileged = is_privileged(c);
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
    })
}

pub fn sys_setuid(uid: u32) -> SyscallResult {
    apply(true, &|old, privileged| kernel_perm::setid(old, privileged, uid))
}

pub fn sys_setgid(gid: u32) -> SyscallResult {
    apply(false, &|old, privileged| kernel_perm::setid(old, privileged, gid))
}

pub fn sys_setreuid(r: u32, e: u32) -> SyscallResult {
    apply(true, &|old, privileged| kernel_perm::setre(old, privileged, r, e))
}

pub fn sys_setregid(r: u32, e: u32) -> SyscallResult {
    apply(false, &|old, privileged| kernel_perm::setre(old, privileged, r, e))
}

pub fn sys_setresuid(r: u32, e: u32, s: u32) -> SyscallResult {
    apply(true, &|old, privileged| kernel_perm::setres(old, privileged, r, e, s))
}

pub fn sys_setresgid(r: u32, e: u32, s: u32) -> SyscallResult {
    apply(false, &|old, privileged| kernel_perm::setres(old, privileged, r, e, s))
}
