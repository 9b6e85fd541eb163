//! getrlimit(2), setrlimit(2), prlimit64(2) (process::rlimit has the rules).

use kernel_abi::Errno;

use super::args::{Pid, UserPtr, UserValue};
use super::current::{current, is_privileged};
use super::SyscallResult;
use crate::process::{self, rlimit};
use rlimit::Rlimit;

/// `struct rlimit64` (and arm64's `struct rlimit`): rlim_cur, rlim_max.
#[derive(Debug, Clone, Copy)]
pub struct RlimitValue(Rlimit);

impl UserValue for RlimitValue {
    const SIZE: usize = 16;
    fn decode(b: &[u8]) -> Self {
        RlimitValue(Rlimit { cur: u64::decode(&b[..8]), max: u64::decode(&b[8..16]) })
    }
    fn encode(&self, b: &mut [u8]) {
        self.0.cur.encode(&mut b[..8]);
        self.0.max.encode(&mut b[8..16]);
    }
}

pub fn sys_getrlimit(resource: u32, old: UserPtr<RlimitValue>) -> SyscallResult {
    sys_prlimit64(Pid::from_reg(0), resource, UserPtr::new(0), old)
}

pub fn sys_setrlimit(resource: u32, new: UserPtr<RlimitValue>) -> SyscallResult {
    if new.is_null() {
        return Err(Errno::EFAULT);
    }
    sys_prlimit64(Pid::from_reg(0), resource, new, UserPtr::new(0))
}

/// `pid` 0 is the caller; another process needs the caller's real uid to
/// be all of its uids and the real gid all of its gids, or privilege (EPERM).
pub fn sys_prlimit64(pid: Pid, resource: u32, new: UserPtr<RlimitValue>, old: UserPtr<RlimitValue>) -> SyscallResult {
    let resource = resource as usize;
    if resource >= rlimit::RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let new = match new.nonnull() {
        Some(n) => Some(n.read()?.0),
        None => None,
    };
    let me = current().pid();
    let pid = match pid.raw() {
        0 => me,
        p if p < 0 => return Err(Errno::ESRCH),
        p => p as u32,
    };
    let creds = current().creds();
    let privileged = is_privileged(&creds);
    let (t, zombie) = process::with_pid(pid, |p| (p.creds, p.is_zombie())).ok_or(Errno::ESRCH)?;
    if zombie {
        return Err(Errno::ESRCH);
    }
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
    if let Some(old) = old.nonnull() {
        old.write(&RlimitValue(previous))?;
    }
    Ok(0)
}
