//! sendmsg(2): the name, the iovec array and the control messages
//! (SCM_RIGHTS, SCM_CREDENTIALS) of a `struct msghdr`.

use super::args::{read_iovecs, Fd, IoVec, MsgHdr, SockAddrIn, UserPtr, UserSlice};
use super::socket_io::{read_control, send, socket};
use super::SyscallResult;
use crate::net::MsgFlags;
use kernel_abi::Errno;

pub fn sys_sendmsg(fd: Fd, msg: UserPtr<MsgHdr>, flags: MsgFlags) -> SyscallResult {
    let (file, sock) = socket(fd)?;
    let m = msg.read()?;
    if m.iovlen > super::args::IOV_MAX as u64 {
        return Err(Errno::EMSGSIZE);
    }
    let namelen = (m.namelen as i32).min(super::args::SOCKADDR_MAX as i32);
    let addr = if m.name == 0 { alloc::vec::Vec::new() } else { SockAddrIn::new(m.name, namelen).read()? };
    let bufs = read_iovecs(UserPtr::<IoVec>::new(m.iov), m.iovlen as usize)?;
    let control = read_control(UserSlice::new(m.control, m.controllen as usize))?;
    let addr = (!addr.is_empty()).then_some(addr);
    send(&file, &sock, &bufs, addr, control, flags)
}
