//! getrusage(2): CPU times (process::cputime); the other fields of
//! `struct rusage` (memory, faults, I/O, context switches) are not
//! counted and read 0.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;
use crate::process::cputime;

const RUSAGE_SELF: i32 = 0;
const RUSAGE_CHILDREN: i32 = -1;
const RUSAGE_THREAD: i32 = 1;

/// `struct rusage`: ru_utime and ru_stime (timevals), then 14 longs.
pub fn rusage_bytes(user_ns: u64, system_ns: u64) -> [u8; 144] {
    let mut b = [0u8; 144];
    for (i, ns) in [user_ns, system_ns].into_iter().enumerate() {
        b[i * 16..i * 16 + 8].copy_from_slice(&(ns / 1_000_000_000).to_le_bytes());
        b[i * 16 + 8..i * 16 + 16].copy_from_slice(&((ns / 1000) % 1_000_000).to_le_bytes());
    }
    b
}

pub fn sys_getrusage(who: u64, usage: u64) -> SyscallResult {
    let t = cputime::current();
    let (user, system) = match who as i64 as i32 {
        // One thread per process: the thread's times are the process's.
        RUSAGE_SELF | RUSAGE_THREAD => (t.user, t.system),
        RUSAGE_CHILDREN => (t.children_user, t.children_system),
        _ => return Err(Errno::EINVAL),
    };
    copy_to_user(usage, &rusage_bytes(user, system))?;
    Ok(0)
}
