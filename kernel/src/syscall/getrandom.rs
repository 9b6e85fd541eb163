//! getrandom(2) (the same generator as /dev/urandom).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;

pub fn sys_getrandom(buf: u64, len: u64, flags: u64) -> SyscallResult {
    if flags & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    // A short read, as for Linux above 256 bytes: bounds the bounce buffer.
    let n = (len as usize).min(64 << 10);
    let mut b = super::fs_util::scratch(n)?;
    crate::fs::dev::fill_random(&mut b);
    copy_to_user(buf, &b)?;
    Ok(n)
}
