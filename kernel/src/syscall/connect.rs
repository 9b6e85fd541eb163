//! connect(2).

use super::args::{Fd, SockAddrIn};
use super::socket_io::socket;
use super::SyscallResult;

pub fn sys_connect(fd: Fd, addr: SockAddrIn) -> SyscallResult {
    let (file, sock) = socket(fd)?;
    let addr = addr.read()?;
    sock.connect(&addr, file.nonblock())?;
    Ok(0)
}
