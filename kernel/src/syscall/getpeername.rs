//! getpeername(2) (ENOTCONN without a peer).

use super::args::{Fd, SockAddrOut};
use super::socket_io::socket;
use super::SyscallResult;

pub fn sys_getpeername(fd: Fd, addr: SockAddrOut) -> SyscallResult {
    let (_, sock) = socket(fd)?;
    addr.room()?;
    addr.write(&sock.peername()?)?;
    Ok(0)
}
