//! getrusage(2): CPU times (process::cputime: RUSAGE_SELF counts every
//! thread of the process, the ended ones included; RUSAGE_THREAD the
//! calling thread alone) and, for the caller,
//! ru_maxrss (the most pages its address spaces had mapped: all are
//! resident). The children's ru_maxrss and the other fields (faults, I/O,
//! context switches) are not counted and read 0.

use kernel_abi::Errno;

use super::args::{Timeval, UserPtr, UserValue};
use super::wait4::Rusage;
use super::SyscallResult;
use crate::process::{cputime, with_current};

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;

/// `struct rusage` with ru_utime and ru_stime set, the 14 longs after 0.
pub fn rusage(user_ns: u64, system_ns: u64) -> Rusage {
    let mut b = [0u8; 144];
    Timeval::from_ns(user_ns).encode(&mut b[..16]);
    Timeval::from_ns(system_ns).encode(&mut b[16..32]);
    b
}

/// `rusage` with ru_maxrss (KiB), the first long after the times.
fn rusage_with_maxrss(user_ns: u64, system_ns: u64, max_rss_pages: u64) -> Rusage {
    let mut b = rusage(user_ns, system_ns);
    b[32..40].copy_from_slice(&(max_rss_pages * 4).to_le_bytes());
    b
}

pub fn sys_getrusage(who: i32, usage: UserPtr<Rusage>) -> SyscallResult {
    let t = cputime::current();
    let (user, system, max_rss) = match who {
        RUSAGE_SELF => (t.user, t.system, with_current(|p| p.sample_rss())?),
        RUSAGE_THREAD => with_current(|p| {
            let (user, system) = p.thread_times_of(p.tid).unwrap_or_default();
            (user, system, p.sample_rss())
        })?,
        RUSAGE_CHILDREN => (t.children_user, t.children_system, 0),
        _ => return Err(Errno::EINVAL),
    };
    usage.write(&rusage_with_maxrss(user, system, max_rss))?;
    Ok(0)
}
