//! bind(2).

use super::args::{Fd, SockAddrIn};
use super::socket_io::socket;
use super::SyscallResult;

pub fn sys_bind(fd: Fd, addr: SockAddrIn) -> SyscallResult {
    let (_, sock) = socket(fd)?;
    sock.bind(&addr.read()?)?;
    Ok(0)
}
