//! getrusage(2): CPU times (process::cputime); the other fields of
//! `struct rusage` (memory, faults, I/O, context switches) are not
//! counted and read 0.

use kernel_abi::Errno;

use super::args::{Timeval, UserPtr, UserValue};
use super::wait4::Rusage;
use super::SyscallResult;
use crate::process::cputime;

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

pub fn sys_getrusage(who: i32, usage: UserPtr<Rusage>) -> SyscallResult {
    let t = cputime::current();
    let (user, system) = match who {
        // One thread per process: the thread's times are the process's.
        RUSAGE_SELF | RUSAGE_THREAD => (t.user, t.system),
        RUSAGE_CHILDREN => (t.children_user, t.children_system),
        _ => return Err(Errno::EINVAL),
    };
    usage.write(&rusage(user, system))?;
    Ok(0)
}
