//! The host-testable half of the kernel's socket layer: Linux's socket
//! constants, `sockaddr_un` parsing and encoding (`addr`), control message
//! (`cmsghdr`) decoding and encoding (`cmsg`), the global socket buffer
//! budget (`budget`) and the message queue every AF_UNIX socket receives
//! into (`queue`). The kernel's `net/` owns the sockets themselves.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod addr;
pub mod budget;
pub mod cmsg;
pub mod consts;
pub mod gc;
pub mod queue;

pub use consts::*;
