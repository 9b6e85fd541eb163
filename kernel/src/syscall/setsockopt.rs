//! setsockopt(2): the family's levels, then the generic SOL_SOCKET
//! options (net/options.rs); unknown ones ENOPROTOOPT.

use kernel_abi::Errno;

use super::args::{Fd, UserSlice};
use super::socket_io::socket;
use super::SyscallResult;

/// Longest option value read (every option is far shorter).
const MAX_OPTLEN: usize = 4096;

pub fn sys_setsockopt(fd: Fd, level: i32, name: i32, val: UserSlice, optlen: i32) -> SyscallResult {
    let (_, sock) = socket(fd)?;
    if optlen < 0 {
        return Err(Errno::EINVAL);
    }
    let len = val.len().min(MAX_OPTLEN);
    let mut buf = alloc::vec![0u8; len];
    if len > 0 {
        val.read_into(&mut buf)?;
    }
    sock.setsockopt(level, name, &buf)?;
    Ok(0)
}
