//! The Linux AArch64 user ABI the kernel speaks: errno values and syscall
//! numbers (asm-generic, `include/uapi/asm-generic/unistd.h`), shared by the
//! kernel and its host tests. Pure data: no unsafe, no allocation.
#![no_std]
#![forbid(unsafe_code)]

pub mod auxv;
pub mod errno;
pub mod fault;
pub mod hwcap;
pub mod status;
pub mod sysno;

pub use errno::Errno;
