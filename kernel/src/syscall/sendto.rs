//! sendto(2) (send(3) is sendto with no address).

use super::args::{Fd, SockAddrIn, UserSlice};
use super::socket_io::{send, socket};
use super::SyscallResult;
use crate::net::MsgFlags;

pub fn sys_sendto(fd: Fd, buf: UserSlice, flags: MsgFlags, addr: SockAddrIn) -> SyscallResult {
    let (file, sock) = socket(fd)?;
    let addr = addr.read()?;
    let addr = (!addr.is_empty()).then_some(addr);
    send(&file, &sock, &[buf], addr, Default::default(), flags)
}
