//! getrandom(2) (the same generator as /dev/urandom, which never blocks:
//! GRND_NONBLOCK and GRND_RANDOM change nothing). Unknown flag bits are
//! EINVAL at the boundary.

use kernel_abi::Errno;

use super::args::{GetrandomFlags, UserSlice};
use super::SyscallResult;

pub fn sys_getrandom(buf: UserSlice, flags: GetrandomFlags) -> SyscallResult {
    // Linux: GRND_INSECURE and GRND_RANDOM together are EINVAL.
    if flags.contains(GetrandomFlags::INSECURE | GetrandomFlags::RANDOM) {
        return Err(Errno::EINVAL);
    }
    // A short read, as for Linux above 256 bytes: bounds the bounce buffer.
    let n = buf.len().min(64 << 10);
    let mut b = super::fs_util::scratch(n)?;
    crate::fs::dev::fill_random(&mut b);
    buf.write_from(&b)?;
    Ok(n)
}
