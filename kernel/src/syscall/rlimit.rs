//! getrlimit(2), setrlimit(2), prlimit64(2) (process::rlimit has the rules).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process::{self, rlimit};
use rlimit::Rlimit;

fn read(addr: u64) -> Result<Rlimit, Errno> {
    let mut raw = [0u8; 16];
    copy_from_user(&mut raw, addr)?;
    let w = |i: usize| u64::from_le_bytes(raw[i..i + 8].try_into().expect("8 bytes"));
    Ok(Rlimit { cur: w(0), max: w(8) })
}

fn write(addr: u64, r: Rlimit) -> Result<(), Errno> {
    let mut raw = [0u8; 16];
    raw[..8].copy_from_slice(&r.cur.to_le_bytes());
    raw[8..].copy_from_slice(&r.max.to_le_bytes());
    copy_to_user(addr, &raw)
}

pub fn sys_getrlimit(resource: u64, old: u64) -> SyscallResult {
    sys_prlimit64(0, resource, 0, old)
}

pub fn sys_setrlimit(resource: u64, new: u64) -> SyscallResult {
    if new == 0 {
        return Err(Errno::EFAULT);
    }
    sys_prlimit64(0, resource, new, 0)
}

/// `pid` 0 is the caller; another process needs the caller's real uid to
/// be all of its uids and the real gid all of its gids, or privilege (EPERM).
pub fn sys_prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> SyscallResult {
    let resource = usize::try_from(resource).ok().filter(|&r| r < rlimit::RLIM_NLIMITS).ok_or(Errno::EINVAL)?;
    let new = if new != 0 { Some(read(new)?) } else { None };
    let me = process::current_pid();
    let pid = match pid as i64 as i32 {
        0 => me,
        p if p < 0 => return Err(Errno::ESRCH),
        p => p as u32,
    };
    let creds = process::current_creds();
    let privileged = creds.euid == 0;
    let target_creds = process::with_pid(pid, |p| (p.creds, p.is_zombie())).ok_or(Errno::ESRCH)?;
    if target_creds.1 {
        return Err(Errno::ESRCH);
    }
    let t = target_creds.0;
    let same_user = creds.uid == t.uid
        && creds.uid == t.euid
        && creds.uid == t.suid
        && creds.gid == t.gid
        && creds.gid == t.egid
        && creds.gid == t.sgid;
    if pid != me && !privileged && !same_user {
        return Err(Errno::EPERM);
    }
    let previous = process::with_pid_mut(pid, |p| -> Result<Rlimit, Errno> {
        match new {
            Some(n) => {
                let old = p.rlimits.set(resource, n, privileged, rlimit::NR_OPEN).map_err(|e| match e {
                    rlimit::Refused::Invalid => Errno::EINVAL,
                    rlimit::Refused::NotPermitted => Errno::EPERM,
                })?;
                if resource == rlimit::RLIMIT_NOFILE {
                    p.fds.set_limit(n.cur);
                }
                Ok(old)
            }
            None => p.rlimits.get(resource).ok_or(Errno::EINVAL),
        }
    })
    .ok_or(Errno::ESRCH)??;
    if old != 0 {
        write(old, previous)?;
    }
    Ok(0)
}
