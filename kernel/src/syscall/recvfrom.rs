//! recvfrom(2) (recv(3) is recvfrom with no address buffer).

use super::args::{Fd, SockAddrOut, UserSlice};
use super::socket_io::{recv, socket};
use super::SyscallResult;
use crate::net::MsgFlags;

pub fn sys_recvfrom(fd: Fd, buf: UserSlice, flags: MsgFlags, addr: SockAddrOut) -> SyscallResult {
    let (file, sock) = socket(fd)?;
    let got = recv(&file, &sock, &[buf], flags, 0)?;
    if !addr.is_null() {
        addr.write(got.addr.as_deref().unwrap_or(&[]))?;
    }
    Ok(got.value)
}
