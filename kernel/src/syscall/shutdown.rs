//! shutdown(2): SHUT_RD, SHUT_WR, SHUT_RDWR (EINVAL otherwise).

use kernel_abi::Errno;

use super::args::Fd;
use super::socket_io::socket;
use super::SyscallResult;
use crate::net::Shutdown;

pub fn sys_shutdown(fd: Fd, how: i32) -> SyscallResult {
    let (_, sock) = socket(fd)?;
    let how = match how {
        kernel_socket::SHUT_RD => Shutdown { read: true, write: false },
        kernel_socket::SHUT_WR => Shutdown { read: false, write: true },
        kernel_socket::SHUT_RDWR => Shutdown { read: true, write: true },
        _ => return Err(Errno::EINVAL),
    };
    sock.shutdown(how)?;
    Ok(0)
}
