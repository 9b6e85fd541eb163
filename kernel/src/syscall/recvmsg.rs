//! recvmsg(2): data into the iovec array, the source name, control
//! messages (SCM_CREDENTIALS with SO_PASSCRED, SCM_RIGHTS as new
//! descriptors; MSG_CTRUNC when they do not fit) and msg_flags.

use super::args::{read_iovecs, Fd, IoVec, MsgHdr, UserPtr};
use super::socket_io::{recv, socket};
use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;
use crate::net::MsgFlags;
use kernel_abi::Errno;

pub fn sys_recvmsg(fd: Fd, msg: UserPtr<MsgHdr>, flags: MsgFlags) -> SyscallResult {
    let (file, sock) = socket(fd)?;
    let mut m = msg.read()?;
    if m.iovlen > super::args::IOV_MAX as u64 {
        return Err(Errno::EMSGSIZE);
    }
    if (m.namelen as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let bufs = read_iovecs(UserPtr::<IoVec>::new(m.iov), m.iovlen as usize)?;
    let room = if m.control == 0 { 0 } else { m.controllen as usize };
    let got = recv(&file, &sock, &bufs, flags, room)?;
    if m.name != 0 {
        let addr = got.addr.as_deref().unwrap_or(&[]);
        let n = addr.len().min(m.namelen as usize);
        copy_to_user(m.name, &addr[..n])?;
        m.namelen = addr.len() as u32;
    }
    if !got.control.is_empty() {
        copy_to_user(m.control, &got.control)?;
    }
    m.controllen = got.control.len() as u64;
    m.flags = got.flags as i32;
    msg.write(&m)?;
    Ok(got.value)
}
