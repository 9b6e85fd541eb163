//! AF_INET over the smoltcp stack: TCP (`tcp.rs`), UDP (`udp.rs`) and raw
//! IP (`raw.rs`: IPPROTO_ICMP for ping, IPPROTO_RAW), the `sockaddr_in`
//! format, the IP-level options they share and the interface ioctls every
//! AF_INET socket answers (`super::ifconf`).

pub mod raw;
pub mod tcp;
pub mod udp;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint, Ipv4Address};

use super::consts::*;
use super::{Family, Socket};

pub const IPPROTO_IP: i32 = 0;
pub const IPPROTO_ICMP: i32 = 1;
pub const IPPROTO_TCP: i32 = 6;
pub const IPPROTO_UDP: i32 = 17;
pub const IPPROTO_RAW: i32 = 255;

pub const SOL_IP: i32 = 0;
pub const IP_TOS: i32 = 1;
pub const IP_TTL: i32 = 2;
pub const IP_HDRINCL: i32 = 3;

pub const FAMILY: Family = Family { family: AF_INET, create, pair: None };

fn create(ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    match ty {
        SOCK_STREAM if protocol == 0 || protocol == IPPROTO_TCP => Ok(tcp::TcpSocket::new()),
        SOCK_DGRAM if protocol == 0 || protocol == IPPROTO_UDP => Ok(udp::UdpSocket::new()),
        // ICMP datagram ("ping") sockets: not implemented.
        SOCK_DGRAM if protocol == IPPROTO_ICMP => Err(Errno::EPROTONOSUPPORT),
        SOCK_RAW if !crate::syscall::current::is_privileged(&crate::process::current_creds()) => Err(Errno::EPERM),
        SOCK_RAW
            if protocol == IPPROTO_ICMP
                || protocol == IPPROTO_RAW
                || protocol == IPPROTO_UDP
                || protocol == IPPROTO_TCP =>
        {
            raw::RawSocket::new(protocol)
        }
        SOCK_RAW if (0..256).contains(&protocol) => Err(Errno::EPROTONOSUPPORT),
        SOCK_STREAM | SOCK_DGRAM | SOCK_RAW => Err(Errno::EPROTONOSUPPORT),
        _ => Err(Errno::ESOCKTNOSUPPORT),
    }
}

/// A `sockaddr_in`: family, port and address (EINVAL when short,
/// EAFNOSUPPORT for another family).
pub fn parse_addr(b: &[u8]) -> Result<([u8; 4], u16), Errno> {
    if b.len() < 16 {
        return Err(Errno::EINVAL);
    }
    let family = u16::from_le_bytes([b[0], b[1]]) as i32;
    if family != AF_INET {
        return Err(Errno::EAFNOSUPPORT);
    }
    Ok(([b[4], b[5], b[6], b[7]], u16::from_be_bytes([b[2], b[3]])))
}

/// The address family of a `sockaddr` (AF_UNSPEC: dissolve an association).
pub fn family_of(b: &[u8]) -> Option<i32> {
    (b.len() >= 2).then(|| u16::from_le_bytes([b[0], b[1]]) as i32)
}

pub fn sockaddr(addr: [u8; 4], port: u16) -> Vec<u8> {
    let mut v = alloc::vec![0u8; 16];
    v[..2].copy_from_slice(&(AF_INET as u16).to_le_bytes());
    v[2..4].copy_from_slice(&port.to_be_bytes());
    v[4..8].copy_from_slice(&addr);
    v
}

pub fn v4(a: IpAddress) -> [u8; 4] {
    match a {
        IpAddress::Ipv4(a) => a.octets(),
    }
}

pub fn endpoint_addr(e: IpEndpoint) -> Vec<u8> {
    sockaddr(v4(e.addr), e.port)
}

pub fn listen_addr(e: IpListenEndpoint) -> Vec<u8> {
    sockaddr(e.addr.map_or([0; 4], v4), e.port)
}

pub fn ip(a: [u8; 4]) -> IpAddress {
    IpAddress::Ipv4(Ipv4Address::from(a))
}

/// Whether a local address can be bound: any, a broadcast, or one of ours.
pub fn local_ok(a: [u8; 4]) -> bool {
    a == [0; 4] || a == [255; 4] || super::stack::RTNL.lock().addrs.iter().any(|x| x.addr == a)
}

/// The broadcast addresses: all ones, or a subnet's of ours.
pub fn is_broadcast(a: [u8; 4]) -> bool {
    a == [255; 4]
        || super::stack::RTNL.lock().addrs.iter().any(|x| {
            x.prefix < 31
                && u32::from_be_bytes(a) | kernel_netlink::mask(x.prefix) == u32::MAX
                && kernel_netlink::in_subnet(a, x.addr, x.prefix)
        })
}

pub fn int_opt(val: &[u8]) -> Result<i32, Errno> {
    if val.len() < 4 {
        return Err(Errno::EINVAL);
    }
    Ok(i32::from_le_bytes([val[0], val[1], val[2], val[3]]))
}

/// IP_TTL's value as Linux takes it: 1..=255, or -1 for the default
/// (None); 0 and anything else is EINVAL.
pub fn ttl_opt(val: &[u8]) -> Result<Option<u8>, Errno> {
    match int_opt(val)? {
        -1 => Ok(None),
        v @ 1..=255 => Ok(Some(v as u8)),
        _ => Err(Errno::EINVAL),
    }
}

pub fn int_bytes(v: i32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

/// SO_BINDTODEVICE: an interface name ("" unbinds); ENODEV for unknown
/// names. Traffic is not restricted by it beyond what routing does: with
/// one interface besides lo the two are the same.
pub fn bind_device(val: &[u8]) -> Result<Option<String>, Errno> {
    let end = val.iter().position(|&c| c == 0).unwrap_or(val.len());
    let name = &val[..end.min(16)];
    if name.is_empty() {
        return Ok(None);
    }
    let known = super::stack::RTNL.lock().index_of(name).is_some();
    if !known {
        return Err(Errno::ENODEV);
    }
    Ok(Some(String::from_utf8_lossy(name).into()))
}

/// SOL_SOCKET options an AF_INET socket keeps itself; None: the generic ones.
pub fn bindtodevice_get(dev: &Option<String>) -> Vec<u8> {
    let mut v = dev.as_deref().unwrap_or("").as_bytes().to_vec();
    v.push(0);
    v
}
