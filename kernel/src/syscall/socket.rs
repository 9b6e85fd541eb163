//! socket(2): a socket of a registered family (net::create); SOCK_NONBLOCK
//! and SOCK_CLOEXEC, other bits above the type EINVAL at the boundary.

use super::args::SockType;
use super::socket_io::install;
use super::SyscallResult;

pub fn sys_socket(domain: i32, ty: SockType, protocol: i32) -> SyscallResult {
    let sock = crate::net::create(domain, ty.ty, protocol)?;
    install(sock, ty.flags)
}
