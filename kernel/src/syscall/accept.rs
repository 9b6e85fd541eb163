//! accept(2) and accept4(2) (SOCK_NONBLOCK, SOCK_CLOEXEC; other flags
//! EINVAL at the boundary). The new descriptor does not inherit the
//! listener's O_NONBLOCK, as on Linux. The address length is read after
//! the wait, as Linux does: a bad one loses the connection (EFAULT/EINVAL).

use super::args::{Fd, SockAddrOut};
use super::socket_io::{install, socket};
use super::SyscallResult;
use crate::net::SockFlags;

pub fn sys_accept4(fd: Fd, addr: SockAddrOut, flags: SockFlags) -> SyscallResult {
    let (file, sock) = socket(fd)?;
    let (new, peer) = sock.accept(file.nonblock())?;
    let newfd = install(new, flags)?;
    if let Err(e) = addr.write(&peer) {
        let _ = super::current::current().with(|p| p.fds.close(newfd as u64).map(drop));
        return Err(e);
    }
    Ok(newfd)
}
