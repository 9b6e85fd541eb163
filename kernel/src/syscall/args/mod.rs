//! The syscall boundary: registers x0..x5 decoded once, at the dispatcher,
//! into the types handlers take. A handler never sees a raw `u64`: user
//! memory is a `UserPtr<T>`/`UserSlice`/`UserCStr` (mm::usercopy), a
//! descriptor an `Fd` or `DirFd`, a process a `Pid`, and a flag word a
//! `bitflags` set whose unknown bits are EINVAL where Linux says so
//! (`Args::flags`) or dropped where Linux ignores them
//! (`Args::flags_truncate`).

mod flags;
mod ids;
mod iovec;
mod path;
mod socket;
mod time;

use kernel_abi::Errno;

pub use flags::*;
pub use ids::{DirFd, Fd, Pid};
pub use iovec::{read_iovecs, IoVec, IOV_MAX};
pub use path::user_path;
pub use socket::{MsgHdr, SockAddrIn, SockAddrOut, SockType, SOCKADDR_MAX};
pub use time::{Timespec, Timeval};

pub use crate::mm::usercopy::{UserCStr, UserPtr, UserSlice, UserValue};

/// The six argument registers of one call, with typed accessors.
#[derive(Clone, Copy)]
pub struct Args(pub [u64; 6]);

impl Args {
    /// The register as the C `unsigned long`/`size_t`/pointer it is.
    pub fn usize(self, i: usize) -> usize {
        self.0[i] as usize
    }

    /// A C `int` (the low 32 bits, sign and all, as the kernel reads it).
    pub fn i32(self, i: usize) -> i32 {
        self.0[i] as u32 as i32
    }

    /// A C `unsigned int`, `uid_t`, `gid_t`, `mode_t` (the low 32 bits).
    pub fn u32(self, i: usize) -> u32 {
        self.0[i] as u32
    }

    /// A 64-bit `off_t`/`loff_t`.
    pub fn i64(self, i: usize) -> i64 {
        self.0[i] as i64
    }

    pub fn fd(self, i: usize) -> Fd {
        Fd::from_reg(self.0[i])
    }

    pub fn dirfd(self, i: usize) -> DirFd {
        DirFd::from_reg(self.0[i])
    }

    pub fn pid(self, i: usize) -> Pid {
        Pid::from_reg(self.0[i])
    }

    pub fn ptr<T: UserValue>(self, i: usize) -> UserPtr<T> {
        UserPtr::new(self.0[i])
    }

    /// A buffer: the pointer in register `ptr`, its length in `len`.
    pub fn slice(self, ptr: usize, len: usize) -> UserSlice {
        UserSlice::new(self.0[ptr], self.0[len] as usize)
    }

    /// A `siginfo_t` (128 bytes) at register `i`; empty when NULL.
    pub fn siginfo(self, i: usize) -> UserSlice {
        let len = if self.0[i] == 0 { 0 } else { crate::process::signal::SIGINFO_SIZE as usize };
        UserSlice::new(self.0[i], len)
    }

    pub fn cstr(self, i: usize) -> UserCStr {
        UserCStr::new(self.0[i])
    }

    /// A flag word whose unknown bits Linux rejects: EINVAL for any bit `F`
    /// does not name.
    pub fn flags<F: Flags>(self, i: usize) -> Result<F, Errno> {
        F::from_bits(F::Bits::from_reg(self.0[i])).ok_or(Errno::EINVAL)
    }

    /// A flag word whose unknown bits Linux ignores.
    pub fn flags_truncate<F: Flags>(self, i: usize) -> F {
        F::from_bits_truncate(F::Bits::from_reg(self.0[i]))
    }
}

/// The integer type behind a flag set, read from a register the way the
/// C prototype types it (`int` flags are the low 32 bits).
pub trait FromReg: bitflags::Bits {
    fn from_reg(reg: u64) -> Self;
}

impl FromReg for u32 {
    fn from_reg(reg: u64) -> u32 {
        reg as u32
    }
}

impl FromReg for u64 {
    fn from_reg(reg: u64) -> u64 {
        reg
    }
}

/// A `bitflags` set readable from a register.
pub trait Flags: bitflags::Flags<Bits: FromReg> {}
impl<F: bitflags::Flags<Bits: FromReg>> Flags for F {}
