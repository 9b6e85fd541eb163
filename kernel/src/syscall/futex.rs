//! futex(2): FUTEX_WAIT, FUTEX_WAKE, their _BITSET forms, FUTEX_REQUEUE and
//! FUTEX_CMP_REQUEUE (process::futex); the PI and WAKE_OP operations:
//! ENOSYS, as Linux answers an operation it does not know.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::arch::timer;
use crate::mm::usercopy::copy_from_user;
use crate::process::futex;

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// A `struct timespec` in ns; EINVAL when malformed.
fn timespec_ns(addr: u64) -> Result<u64, Errno> {
    let mut b = [0u8; 16];
    copy_from_user(&mut b, addr)?;
    let sec = i64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let nsec = i64::from_le_bytes(b[8..].try_into().expect("8 bytes"));
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return Err(Errno::EINVAL);
    }
    Ok((sec as u64).saturating_mul(1_000_000_000).saturating_add(nsec as u64))
}

pub fn sys_futex(uaddr: u64, op: u64, val: u64, timeout: u64, uaddr2: u64, val3: u64) -> SyscallResult {
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let cmd = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if op & FUTEX_CLOCK_REALTIME != 0 && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT {
        return Err(Errno::ENOSYS);
    }
    let val = val as u32;
    match cmd {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if cmd == FUTEX_WAIT { u32::MAX } else { val3 as u32 };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's absolute
            // (every clock counts from boot here, REALTIME too).
            let deadline = match timeout {
                0 => None,
                t if cmd == FUTEX_WAIT => Some(timer::now_ns().saturating_add(timespec_ns(t)?)),
                t => Some(timespec_ns(t)?),
            };
            let key = futex::key(uaddr, private)?;
            futex::wait(uaddr, key, val, bitset, deadline)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if cmd == FUTEX_WAKE { u32::MAX } else { val3 as u32 };
            if bitset == 0 {
                return Err(Errno::EINVAL);
            }
            Ok(futex::wake(futex::key(uaddr, private)?, val, bitset))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            let (from, to) = (futex::key(uaddr, private)?, futex::key(uaddr2, private)?);
            if (val as i32) < 0 || (timeout as u32 as i32) < 0 {
                return Err(Errno::EINVAL);
            }
            if cmd == FUTEX_CMP_REQUEUE {
                let mut b = [0u8; 4];
                copy_from_user(&mut b, uaddr)?;
                if u32::from_le_bytes(b) != val3 as u32 {
                    return Err(Errno::EAGAIN);
                }
            }
            Ok(futex::requeue(from, to, val, timeout as u32))
        }
        _ => Err(Errno::ENOSYS),
    }
}
