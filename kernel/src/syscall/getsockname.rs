//! getsockname(2).

use super::args::{Fd, SockAddrOut};
use super::socket_io::socket;
use super::SyscallResult;

pub fn sys_getsockname(fd: Fd, addr: SockAddrOut) -> SyscallResult {
    let (_, sock) = socket(fd)?;
    addr.room()?;
    addr.write(&sock.sockname()?)?;
    Ok(0)
}
