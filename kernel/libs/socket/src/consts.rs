//! Linux's socket constants (the asm-generic values arm64 uses).

pub const AF_UNSPEC: i32 = 0;
pub const AF_UNIX: i32 = 1;
pub const AF_INET: i32 = 2;
pub const AF_INET6: i32 = 10;
pub const AF_NETLINK: i32 = 16;
pub const AF_PACKET: i32 = 17;
/// Families are below this (Linux's NPROTO): EAFNOSUPPORT above.
pub const AF_MAX: i32 = 46;

pub const SOCK_STREAM: i32 = 1;
pub const SOCK_DGRAM: i32 = 2;
pub const SOCK_RAW: i32 = 3;
pub const SOCK_RDM: i32 = 4;
pub const SOCK_SEQPACKET: i32 = 5;
pub const SOCK_DCCP: i32 = 6;
pub const SOCK_PACKET: i32 = 10;
/// Types are below this (Linux's SOCK_MAX): EINVAL above.
pub const SOCK_MAX: i32 = 11;
/// The type bits of socket(2)'s `type` (the rest are SOCK_NONBLOCK/CLOEXEC).
pub const SOCK_TYPE_MASK: i32 = 0xf;

pub const SOL_SOCKET: i32 = 1;

pub const SO_DEBUG: i32 = 1;
pub const SO_REUSEADDR: i32 = 2;
pub const SO_TYPE: i32 = 3;
pub const SO_ERROR: i32 = 4;
pub const SO_DONTROUTE: i32 = 5;
pub const SO_BROADCAST: i32 = 6;
pub const SO_SNDBUF: i32 = 7;
pub const SO_RCVBUF: i32 = 8;
pub const SO_KEEPALIVE: i32 = 9;
pub const SO_OOBINLINE: i32 = 10;
pub const SO_NO_CHECK: i32 = 11;
pub const SO_PRIORITY: i32 = 12;
pub const SO_LINGER: i32 = 13;
pub const SO_BSDCOMPAT: i32 = 14;
pub const SO_REUSEPORT: i32 = 15;
pub const SO_PASSCRED: i32 = 16;
pub const SO_PEERCRED: i32 = 17;
pub const SO_RCVLOWAT: i32 = 18;
pub const SO_SNDLOWAT: i32 = 19;
pub const SO_RCVTIMEO_OLD: i32 = 20;
pub const SO_SNDTIMEO_OLD: i32 = 21;
pub const SO_BINDTODEVICE: i32 = 25;
pub const SO_TIMESTAMP_OLD: i32 = 29;
pub const SO_ACCEPTCONN: i32 = 30;
pub const SO_PEERSEC: i32 = 31;
pub const SO_SNDBUFFORCE: i32 = 32;
pub const SO_RCVBUFFORCE: i32 = 33;
pub const SO_PASSSEC: i32 = 34;
pub const SO_PROTOCOL: i32 = 38;
pub const SO_DOMAIN: i32 = 39;
pub const SO_RCVTIMEO_NEW: i32 = 66;
pub const SO_SNDTIMEO_NEW: i32 = 67;

pub const SCM_RIGHTS: i32 = 1;
pub const SCM_CREDENTIALS: i32 = 2;

pub const SHUT_RD: i32 = 0;
pub const SHUT_WR: i32 = 1;
pub const SHUT_RDWR: i32 = 2;

/// Linux's SOMAXCONN (net.core.somaxconn default): listen's backlog cap.
pub const SOMAXCONN: i32 = 4096;

/// net.core.wmem_max / rmem_max / wmem_default / rmem_default.
pub const WMEM_MAX: usize = 212_992;
pub const RMEM_MAX: usize = 212_992;
pub const WMEM_DEFAULT: usize = 212_992;
pub const RMEM_DEFAULT: usize = 212_992;
/// SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF (2 * (2048 + sizeof(sk_buff)) on arm64).
pub const SOCK_MIN_SNDBUF: usize = 4608;
pub const SOCK_MIN_RCVBUF: usize = 2304;

/// The value SO_SNDBUF/SO_RCVBUF store for a request of `val` (Linux caps
/// it at the sysctl maximum as an unsigned number, so a negative request
/// is the maximum, then doubles it for bookkeeping overhead; getsockopt
/// returns the doubled value).
pub fn buf_size(val: i32, max: usize, min: usize) -> usize {
    let v = (val as u32 as usize).min(max);
    (v * 2).max(min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_sizes_as_linux_stores_them() {
        assert_eq!(buf_size(1000, WMEM_MAX, SOCK_MIN_SNDBUF), SOCK_MIN_SNDBUF);
        assert_eq!(buf_size(100_000, WMEM_MAX, SOCK_MIN_SNDBUF), 200_000);
        assert_eq!(buf_size(1 << 20, WMEM_MAX, SOCK_MIN_SNDBUF), 425_984);
        assert_eq!(buf_size(-1, RMEM_MAX, SOCK_MIN_RCVBUF), 425_984);
    }
}
