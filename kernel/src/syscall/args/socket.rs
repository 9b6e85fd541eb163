//! Socket call arguments: socket(2)'s type word, `sockaddr` buffers in
//! and out, and `struct msghdr`.

use alloc::vec::Vec;

use kernel_abi::Errno;

use super::{Args, UserPtr, UserValue};
use crate::mm::usercopy::copy_from_user;
use crate::net::{MsgFlags, SockFlags, MSG_CMSG_COMPAT};

/// sizeof(struct sockaddr_storage): the longest address a call takes.
pub const SOCKADDR_MAX: usize = 128;

/// socket(2)/socketpair(2)'s `type`: the socket type and SOCK_NONBLOCK /
/// SOCK_CLOEXEC (EINVAL for any other bit above the type, as Linux).
#[derive(Clone, Copy, Debug)]
pub struct SockType {
    pub ty: i32,
    pub flags: SockFlags,
}

/// A `sockaddr` the caller passes (pointer and `socklen_t` length).
#[derive(Clone, Copy)]
pub struct SockAddrIn {
    addr: u64,
    len: i32,
}

impl SockAddrIn {
    pub fn new(addr: u64, len: i32) -> SockAddrIn {
        SockAddrIn { addr, len }
    }

    /// The address bytes (Linux's move_addr_to_kernel): EINVAL for a
    /// negative length or one past sockaddr_storage, EFAULT when unreadable;
    /// empty for length 0.
    pub fn read(self) -> Result<Vec<u8>, Errno> {
        let len = usize::try_from(self.len).map_err(|_| Errno::EINVAL)?;
        if len > SOCKADDR_MAX {
            return Err(Errno::EINVAL);
        }
        let mut buf = alloc::vec![0u8; len];
        if len > 0 {
            copy_from_user(&mut buf, self.addr)?;
        }
        Ok(buf)
    }
}

/// Where a call returns an address: the buffer and its in/out length.
#[derive(Clone, Copy)]
pub struct SockAddrOut {
    addr: u64,
    len: UserPtr<i32>,
}

impl SockAddrOut {
    pub fn new(addr: u64, len: u64) -> SockAddrOut {
        SockAddrOut { addr, len: UserPtr::new(len) }
    }

    /// No buffer given (accept with NULL): nothing is returned.
    pub fn is_null(self) -> bool {
        self.addr == 0
    }

    /// The buffer's length as the caller says (EFAULT, EINVAL if negative).
    pub fn room(self) -> Result<usize, Errno> {
        usize::try_from(self.len.read()?).map_err(|_| Errno::EINVAL)
    }

    /// Linux's move_addr_to_user: as much of `addr` as fits, then the full
    /// length.
    pub fn write(self, addr: &[u8]) -> Result<(), Errno> {
        if self.is_null() {
            return Ok(());
        }
        let room = self.room()?;
        let n = room.min(addr.len());
        if n > 0 {
            crate::mm::usercopy::copy_to_user(self.addr, &addr[..n])?;
        }
        self.len.write(&(addr.len() as i32))
    }
}

/// `struct msghdr` (56 bytes on arm64).
#[derive(Clone, Copy)]
pub struct MsgHdr {
    pub name: u64,
    pub namelen: u32,
    pub iov: u64,
    pub iovlen: u64,
    pub control: u64,
    pub controllen: u64,
    pub flags: i32,
}

impl UserValue for MsgHdr {
    const SIZE: usize = 56;
    fn decode(b: &[u8]) -> Self {
        MsgHdr {
            name: u64::decode(&b[0..8]),
            namelen: u32::decode(&b[8..12]),
            iov: u64::decode(&b[16..24]),
            iovlen: u64::decode(&b[24..32]),
            control: u64::decode(&b[32..40]),
            controllen: u64::decode(&b[40..48]),
            flags: i32::decode(&b[48..52]),
        }
    }
    fn encode(&self, b: &mut [u8]) {
        self.name.encode(&mut b[0..8]);
        self.namelen.encode(&mut b[8..12]);
        self.iov.encode(&mut b[16..24]);
        self.iovlen.encode(&mut b[24..32]);
        self.control.encode(&mut b[32..40]);
        self.controllen.encode(&mut b[40..48]);
        self.flags.encode(&mut b[48..52]);
    }
}

impl Args {
    pub fn sock_type(self, i: usize) -> Result<SockType, Errno> {
        let raw = self.0[i] as u32 as i32;
        let flags = (raw & !kernel_socket::SOCK_TYPE_MASK) as u32;
        let flags = SockFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
        Ok(SockType { ty: raw & kernel_socket::SOCK_TYPE_MASK, flags })
    }

    /// An address argument: pointer in `ptr`, `socklen_t` length in `len`.
    pub fn sockaddr_in(self, ptr: usize, len: usize) -> SockAddrIn {
        SockAddrIn::new(self.0[ptr], self.0[len] as u32 as i32)
    }

    /// A returned address: buffer in `ptr`, `socklen_t *` in `len`.
    pub fn sockaddr_out(self, ptr: usize, len: usize) -> SockAddrOut {
        SockAddrOut::new(self.0[ptr], self.0[len])
    }

    /// MSG_* flags of send/recv calls: unknown bits are ignored, as Linux does.
    pub fn msg_flags(self, i: usize) -> MsgFlags {
        MsgFlags::from_bits_truncate(self.0[i] as u32)
    }

    /// MSG_* flags of sendmsg/recvmsg: MSG_CMSG_COMPAT is EINVAL.
    pub fn msg_flags_strict(self, i: usize) -> Result<MsgFlags, Errno> {
        if self.0[i] as u32 & MSG_CMSG_COMPAT != 0 {
            return Err(Errno::EINVAL);
        }
        Ok(self.msg_flags(i))
    }
}
