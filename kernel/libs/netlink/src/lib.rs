//! NETLINK_ROUTE as far as BusyBox `ip link`, `ip addr` and `ip route` use
//! it: the interface, address and route tables the kernel keeps, and the
//! request/reply messages (RTM_GET/NEW/DELLINK, ADDR, ROUTE) over them.
//! Pure logic, tested on the host: the kernel feeds each request a socket
//! receives to [`Rtnl::handle`], queues the replies it returns, and applies
//! the tables to its IP stack afterwards.

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod msg;
mod table;

pub use msg::*;
pub use table::*;
