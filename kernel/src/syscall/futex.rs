//! futex(2): FUTEX_WAIT, FUTEX_WAKE, their _BITSET forms, FUTEX_REQUEUE and
//! FUTEX_CMP_REQUEUE (process::futex); the PI and WAKE_OP operations:
//! ENOSYS, as Linux answers an operation it does not know.

use kernel_abi::Errno;

use super::args::{Timespec, UserPtr};
use super::SyscallResult;
use crate::arch::timer;
use crate::process::futex;

const FUTEX_WAIT: i32 = 0;
const FUTEX_WAKE: i32 = 1;
const FUTEX_REQUEUE: i32 = 3;
const FUTEX_CMP_REQUEUE: i32 = 4;
const FUTEX_WAIT_BITSET: i32 = 9;
const FUTEX_WAKE_BITSET: i32 = 10;
const FUTEX_PRIVATE_FLAG: i32 = 128;
const FUTEX_CLOCK_REALTIME: i32 = 256;

/// `timeout` is `struct timespec *` for the waits and the count `val2`
/// for the requeues (one register, two meanings: decoded here by `op`).
pub fn sys_futex(
    uaddr: UserPtr<u32>,
    op: i32,
    val: u32,
    timeout: u64,
    uaddr2: UserPtr<u32>,
    val3: u32,
) -> SyscallResult {
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if op & FUTEX_CLOCK_REALTIME != 0 && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT {
        return Err(Errno::ENOSYS);
    }
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT { u32::MAX } else { val3 };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's absolute,
            // on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME, wall-clock time.
            let offset = if op & FUTEX_CLOCK_REALTIME != 0 { timer::realtime_offset_ns() } else { 0 };
            let deadline = match UserPtr::<Timespec>::new(timeout).nonnull() {
                None => None,
                Some(t) if cmd == FUTEX_WAIT => Some(timer::now_ns().saturating_add(t.read()?.to_ns()?)),
                Some(t) => Some(t.read()?.to_ns()?.saturating_sub(offset)),
            };
            let key = futex::key(uaddr.addr(), private)?;
            futex::wait(uaddr.addr(), key, val, bitset, deadline)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { u32::MAX } else { val3 };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            Ok(futex::wake(futex::key(uaddr.addr(), private)?, val, bitset))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let (from, to) = (futex::key(uaddr.addr(), private)?, futex::key(uaddr2.addr(), private)?);
            let moved = timeout as u32;
            if (val as i32) < 0 || (moved as i32) < 0 {
                return Err(Errno::EINVAL);
            }
            if cmd == FUTEX_CMP_REQUEUE && uaddr.read()? != val3 {
                return Err(Errno::EAGAIN);
            }
            Ok(futex::requeue(from, to, val, moved))
        }
        _ => Err(Errno::ENOSYS),
    }
}
