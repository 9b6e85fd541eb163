//! AF_INET SOCK_RAW. IPPROTO_ICMP (and UDP/TCP): every received packet of
//! the protocol, IP header included (BusyBox ping parses `ihl`); sends take
//! the ICMP message and the kernel adds the IP header. IPPROTO_RAW: sends
//! take a whole IP packet (IP_HDRINCL), nothing is received (as Linux).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU16, Ordering};

use kernel_abi::Errno;
use smoltcp::iface::SocketHandle;
use smoltcp::socket::raw;
use smoltcp::wire::{IpProtocol, IpVersion};
use spin::Mutex;

use super::*;
use crate::net::stack;
use crate::net::{block_on, Common, Dir, MsgFlags, Received, SendArgs, Shutdown, Socket};
use crate::net::{POLLIN, POLLOUT};

const RX_BYTES: usize = 64 << 10;
const TX_BYTES: usize = 16 << 10;
const SLOTS: usize = 32;
/// The largest packet a raw socket sends (eth0's MTU; no fragmentation).
const MAX_PACKET: usize = 1500;

static IP_ID: AtomicU16 = AtomicU16::new(1);

struct St {
    handle: Option<SocketHandle>,
    remote: Option<[u8; 4]>,
    device: Option<String>,
    ttl: u8,
    hdrincl: bool,
}

pub struct RawSocket {
    common: Common,
    st: Mutex<St>,
}

fn smol_sock(proto: u8, rx: usize) -> raw::Socket<'static> {
    raw::Socket::new(
        IpVersion::Ipv4,
        IpProtocol::from(proto),
        raw::PacketBuffer::new(vec![raw::PacketMetadata::EMPTY; SLOTS], vec![0; rx]),
        raw::PacketBuffer::new(vec![raw::PacketMetadata::EMPTY; SLOTS], vec![0; TX_BYTES]),
    )
}

/// The Internet checksum of `data`.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in data.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

impl RawSocket {
    pub fn new(protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
        let handle = if protocol == IPPROTO_RAW {
            None
        } else {
            stack::reserve(RX_BYTES + TX_BYTES)?;
            match stack::with(|s| s.add(smol_sock(protocol as u8, RX_BYTES), RX_BYTES + TX_BYTES)) {
                Ok(h) => Some(h),
                Err(e) => {
                    stack::release(RX_BYTES + TX_BYTES);
                    return Err(e);
                }
            }
        };
        let st = St { handle, remote: None, device: None, ttl: 64, hdrincl: protocol == IPPROTO_RAW };
        Ok(Arc::new(RawSocket { common: Common::new(AF_INET, SOCK_RAW, protocol), st: Mutex::new(st) }))
    }

    /// An IPv4 packet from eth0's address to `dst` carrying `payload`.
    fn packet(&self, dst: [u8; 4], payload: &[u8], ttl: u8) -> Result<Vec<u8>, Errno> {
        let src = if dst[0] == 127 { [127, 0, 0, 1] } else { stack::eth_addr().ok_or(Errno::ENETUNREACH)? };
        let total = 20 + payload.len();
        let mut p = vec![0u8; total];
        p[0] = 0x45;
        p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
        p[4..6].copy_from_slice(&IP_ID.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        p[8] = ttl;
        p[9] = self.common.protocol as u8;
        p[12..16].copy_from_slice(&src);
        p[16..20].copy_from_slice(&dst);
        let c = checksum(&p[..20]);
        p[10..12].copy_from_slice(&c.to_be_bytes());
        p[20..].copy_from_slice(payload);
        Ok(p)
    }

    /// Queues a whole IP packet on a smoltcp raw socket of its protocol:
    /// ours, or a short-lived one for IPPROTO_RAW (removed after the poll
    /// that sends it).
    fn queue(&self, h: Option<SocketHandle>, packet: &[u8], nonblock: bool) -> Result<(), Errno> {
        if packet.len() < 20 || packet[0] >> 4 != 4 {
            return Err(Errno::EINVAL);
        }
        match h {
            Some(h) => block_on(&self.common, Dir::Send, nonblock, || {
                stack::with(|s| {
                    let sock = s.sockets.get_mut::<raw::Socket>(h);
                    if sock.payload_send_capacity() < packet.len() {
                        return None;
                    }
                    Some(sock.send_slice(packet).map_err(|_| Errno::ENOBUFS))
                })
                .unwrap_or(Some(Err(Errno::ENETDOWN)))
            })?,
            None => {
                stack::reserve(packet.len() + TX_BYTES)?;
                let t = stack::with(|s| {
                    let mut sock = smol_sock(packet[9], 0);
                    let r = sock.send_slice(packet).map_err(|_| Errno::ENOBUFS);
                    (s.add(sock, packet.len() + TX_BYTES), r)
                });
                let (t, r) = match t {
                    Ok(x) => x,
                    Err(e) => {
                        stack::release(packet.len() + TX_BYTES);
                        return Err(e);
                    }
                };
                stack::poll();
                let _ = stack::with(|s| s.remove(t));
                r?;
            }
        }
        stack::poll();
        Ok(())
    }
}

impl Socket for RawSocket {
    fn common(&self) -> &Common {
        &self.common
    }

    fn bind(&self, addr: &[u8]) -> Result<(), Errno> {
        let (a, _) = parse_addr(addr)?;
        if !local_ok(a) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        Ok(())
    }

    fn connect(&self, addr: &[u8], _nonblock: bool) -> Result<(), Errno> {
        let mut st = self.st.lock();
        if family_of(addr) == Some(AF_UNSPEC) {
            st.remote = None;
            return Ok(());
        }
        st.remote = Some(parse_addr(addr)?.0);
        Ok(())
    }

    fn sendmsg(&self, msg: SendArgs) -> Result<usize, Errno> {
        let (h, remote, ttl, hdrincl) = {
            let st = self.st.lock();
            (st.handle, st.remote, st.ttl, st.hdrincl)
        };
        let dst = match msg.addr {
            Some(a) => parse_addr(a)?.0,
            None => remote.ok_or(Errno::EDESTADDRREQ)?,
        };
        if is_broadcast(dst) && !self.common.opts.lock().broadcast {
            return Err(Errno::EACCES);
        }
        let nonblock = msg.nonblock || msg.flags.contains(MsgFlags::DONTWAIT);
        let max = if hdrincl { MAX_PACKET } else { MAX_PACKET - 20 };
        if msg.data.len() > max {
            return Err(Errno::EMSGSIZE);
        }
        if hdrincl && stack::is_local(dst) {
            stack::inject_local(msg.data)?;
        } else if hdrincl {
            self.queue(h, msg.data, nonblock)?;
        } else {
            let p = self.packet(dst, msg.data, ttl)?;
            self.queue(h, &p, nonblock)?;
        }
        Ok(msg.data.len())
    }

    fn recvmsg(&self, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
        let Some(h) = self.st.lock().handle else {
            // IPPROTO_RAW receives nothing.
            return block_on(&self.common, Dir::Recv, nonblock || flags.contains(MsgFlags::DONTWAIT), || None);
        };
        let nonblock = nonblock || flags.contains(MsgFlags::DONTWAIT);
        let peek = flags.contains(MsgFlags::PEEK);
        block_on(&self.common, Dir::Recv, nonblock, || {
            stack::with(|s| {
                let sock = s.sockets.get_mut::<raw::Socket>(h);
                let data = sock.peek().ok()?;
                let len = data.len();
                let n = len.min(out.len());
                out[..n].copy_from_slice(&data[..n]);
                let src = if len >= 20 { [data[12], data[13], data[14], data[15]] } else { [0; 4] };
                if !peek {
                    let _ = sock.recv();
                }
                let flags = if len > n { MsgFlags::TRUNC } else { MsgFlags::empty() };
                Some(Ok(Received { copied: n, len, addr: Some(sockaddr(src, 0)), flags, ..Default::default() }))
            })
            .unwrap_or(Some(Err(Errno::ENETDOWN)))
        })
    }

    fn shutdown(&self, _how: Shutdown) -> Result<(), Errno> {
        if self.st.lock().remote.is_none() {
            return Err(Errno::ENOTCONN);
        }
        Ok(())
    }

    fn sockname(&self) -> Result<Vec<u8>, Errno> {
        Ok(sockaddr([0; 4], 0))
    }

    fn peername(&self) -> Result<Vec<u8>, Errno> {
        self.st.lock().remote.map(|a| sockaddr(a, 0)).ok_or(Errno::ENOTCONN)
    }

    fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        let mut st = self.st.lock();
        match (level, name) {
            (SOL_SOCKET, SO_BINDTODEVICE) => {
                st.device = bind_device(val)?;
                Ok(())
            }
            (SOL_IP, IP_TTL) => {
                st.ttl = ttl_opt(val)?.unwrap_or(64);
                Ok(())
            }
            (SOL_IP, IP_HDRINCL) => {
                if self.common.protocol != IPPROTO_RAW {
                    st.hdrincl = int_opt(val)? != 0;
                }
                Ok(())
            }
            (SOL_IP, _) => Err(Errno::ENOPROTOOPT),
            // ICMP_FILTER (SOL_RAW 255, 1): not implemented.
            (255, _) => Err(Errno::ENOPROTOOPT),
            _ => {
                drop(st);
                crate::net::options::set(&self.common, level, name, val)
            }
        }
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        let st = self.st.lock();
        match (level, name) {
            (SOL_SOCKET, SO_BINDTODEVICE) => Ok(bindtodevice_get(&st.device)),
            (SOL_IP, IP_TTL) => Ok(int_bytes(st.ttl as i32)),
            (SOL_IP, IP_HDRINCL) => Ok(int_bytes(st.hdrincl as i32)),
            (SOL_IP, _) | (255, _) => Err(Errno::ENOPROTOOPT),
            _ => {
                drop(st);
                crate::net::options::get(self, level, name)
            }
        }
    }

    fn poll(&self) -> u16 {
        let Some(h) = self.st.lock().handle else { return POLLOUT };
        stack::with(|s| {
            let sock = s.sockets.get::<raw::Socket>(h);
            (if sock.can_recv() { POLLIN } else { 0 }) | if sock.can_send() { POLLOUT } else { 0 }
        })
        .unwrap_or(0)
    }

    fn ioctl(&self, cmd: u32, arg: u64) -> Result<usize, Errno> {
        crate::net::ifconf::ioctl(cmd, arg)
    }

    fn release(&self) {
        if let Some(h) = self.st.lock().handle.take() {
            let _ = stack::with(|s| s.remove(h));
        }
    }
}
