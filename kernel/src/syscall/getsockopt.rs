//! getsockopt(2): the value, truncated to the caller's optlen, and the
//! length written back.

use kernel_abi::Errno;

use super::args::{Fd, UserPtr, UserSlice};
use super::socket_io::socket;
use super::SyscallResult;

pub fn sys_getsockopt(fd: Fd, level: i32, name: i32, val: UserPtr<u8>, optlen: UserPtr<i32>) -> SyscallResult {
    let (_, sock) = socket(fd)?;
    let room = optlen.read()?;
    let room = usize::try_from(room).map_err(|_| Errno::EINVAL)?;
    let value = sock.getsockopt(level, name)?;
    let n = room.min(value.len());
    if n > 0 {
        UserSlice::new(val.addr(), n).write_from(&value[..n])?;
    }
    optlen.write(&(n as i32))?;
    Ok(0)
}
