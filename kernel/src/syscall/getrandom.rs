//! getrandom(2) (the same generator as /dev/urandom).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;

pub fn sys_getrandom(buf: u64, len: u64, flags: u64) -> SyscallResult {
    if flags & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let n = (len as usize).min(1 << 20);
    let mut b = alloc::vec![0u8; n];
    crate::fs::dev::fill_random(&mut b);
    copy_to_user(buf, &b)?;
    Ok(n)
}
