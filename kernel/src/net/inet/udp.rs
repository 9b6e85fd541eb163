//! AF_INET SOCK_DGRAM over smoltcp UDP. The smoltcp socket is made at the
//! first bind, connect or send (an ephemeral port when none was bound).
//! A connected socket sends to its peer by default and drops datagrams
//! from anyone else that arrive after the connect, as Linux does (those
//! already queued stay: they move to the socket's backlog, read first). Datagrams are not fragmented: one that
//! does not fit eth0's MTU (1472 bytes of payload) is EMSGSIZE.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use kernel_abi::Errno;
use smoltcp::iface::SocketHandle;
use smoltcp::socket::udp;
use smoltcp::wire::{IpEndpoint, IpListenEndpoint};
use spin::Mutex;

use super::*;
use crate::net::stack::{self, Stack};
use crate::net::{block_on, Common, Dir, MsgFlags, Received, SendArgs, Shutdown, Socket};
use crate::net::{POLLIN, POLLOUT};

/// Payload bytes one datagram may carry (MTU 1500 - 20 - 8).
pub const MAX_PAYLOAD: usize = 1472;
const RX_BYTES: usize = 64 << 10;
const TX_BYTES: usize = 16 << 10;
const SLOTS: usize = 64;

#[derive(Default)]
struct St {
    handle: Option<SocketHandle>,
    local: Option<IpListenEndpoint>,
    remote: Option<IpEndpoint>,
    shut_rd: bool,
    shut_wr: bool,
    device: Option<String>,
    ttl: Option<u8>,
    /// Datagrams queued before a connect (payload, sender), read before
    /// the smoltcp queue; at most `RX_BYTES` of payload.
    backlog: VecDeque<(Vec<u8>, IpEndpoint)>,
}

pub struct UdpSocket {
    common: Common,
    st: Mutex<St>,
}

impl Stack {
    pub fn udp_port_used(&self, port: u16) -> bool {
        self.sockets.iter().any(|(_, s)| match s {
            smoltcp::socket::Socket::Udp(u) => u.endpoint().port == port,
            _ => false,
        })
    }
}

impl UdpSocket {
    pub fn new() -> Arc<dyn Socket> {
        Arc::new(UdpSocket { common: Common::new(AF_INET, SOCK_DGRAM, IPPROTO_UDP), st: Mutex::new(St::default()) })
    }

    fn with_sock<R>(h: SocketHandle, f: impl FnOnce(&mut udp::Socket<'static>) -> R) -> Result<R, Errno> {
        stack::with(|s| f(s.sockets.get_mut::<udp::Socket>(h)))
    }

    /// Makes the smoltcp socket bound to `addr:port` (port 0: ephemeral).
    fn bind_to(&self, st: &mut St, addr: [u8; 4], port: u16) -> Result<(), Errno> {
        let reuse = self.common.opts.lock().reuseaddr;
        let ttl = st.ttl;
        let (h, local) = stack::with(|s| -> Result<(SocketHandle, IpListenEndpoint), Errno> {
            let port = if port == 0 { s.ephemeral_port(|s, p| s.udp_port_used(p))? } else { port };
            if !reuse && s.udp_port_used(port) {
                return Err(Errno::EADDRINUSE);
            }
            stack::reserve(RX_BYTES + TX_BYTES)?;
            let mut sock = udp::Socket::new(
                udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; SLOTS], vec![0; RX_BYTES]),
                udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; SLOTS], vec![0; TX_BYTES]),
            );
            sock.set_hop_limit(ttl);
            let local = IpListenEndpoint { addr: (addr != [0; 4] && addr != [255; 4]).then(|| ip(addr)), port };
            if sock.bind(local).is_err() {
                stack::release(RX_BYTES + TX_BYTES);
                return Err(Errno::EINVAL);
            }
            Ok((s.add(sock, RX_BYTES + TX_BYTES), local))
        })??;
        st.handle = Some(h);
        st.local = Some(local);
        Ok(())
    }

    fn handle(&self, st: &mut St) -> Result<SocketHandle, Errno> {
        if st.handle.is_none() {
            self.bind_to(st, [0; 4], 0)?;
        }
        Ok(st.handle.expect("bound"))
    }

    /// connect: what is queued now was accepted before it and stays
    /// readable (Linux filters a connected socket's datagrams as they
    /// arrive, not as they are read). Past `RX_BYTES` of backlog the rest
    /// is dropped, as a full receive buffer drops.
    fn keep_queued(st: &mut St, h: SocketHandle) -> Result<(), Errno> {
        let mut held: usize = st.backlog.iter().map(|(d, _)| d.len()).sum();
        let backlog = &mut st.backlog;
        Self::with_sock(h, |s| {
            while let Ok((data, meta)) = s.recv() {
                if held + data.len() <= RX_BYTES {
                    held += data.len();
                    backlog.push_back((data.to_vec(), meta.endpoint));
                }
            }
        })
    }
}

/// Drops the datagrams at the head of `s`'s queue that a socket connected
/// to `remote` does not take (they arrived after the connect); true if one
/// it takes is left at the head.
fn head_from_peer(s: &mut udp::Socket<'static>, remote: Option<IpEndpoint>) -> bool {
    loop {
        match s.peek() {
            Ok((_, meta)) if remote.is_some_and(|r| r != meta.endpoint) => {
                let _ = s.recv();
            }
            Ok(_) => return true,
            Err(_) => return false,
        }
    }
}

impl Socket for UdpSocket {
    fn common(&self) -> &Common {
        &self.common
    }

    fn bind(&self, addr: &[u8]) -> Result<(), Errno> {
        let (a, port) = parse_addr(addr)?;
        let mut st = self.st.lock();
        if st.handle.is_some() {
            return Err(Errno::EINVAL);
        }
        if !local_ok(a) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        self.bind_to(&mut st, a, port)
    }

    fn connect(&self, addr: &[u8], _nonblock: bool) -> Result<(), Errno> {
        let mut st = self.st.lock();
        if family_of(addr) == Some(AF_UNSPEC) {
            st.remote = None;
            return Ok(());
        }
        let (a, port) = parse_addr(addr)?;
        if is_broadcast(a) && !self.common.opts.lock().broadcast {
            return Err(Errno::EACCES);
        }
        if port == 0 {
            // Linux accepts it; sends then fail. Keep it simple and honest.
            return Err(Errno::EINVAL);
        }
        let h = self.handle(&mut st)?;
        Self::keep_queued(&mut st, h)?;
        st.remote = Some(IpEndpoint::new(ip(a), port));
        Ok(())
    }

    fn sendmsg(&self, msg: SendArgs) -> Result<usize, Errno> {
        let (h, dst) = {
            let mut st = self.st.lock();
            if st.shut_wr {
                crate::net::sigpipe(msg.flags);
                return Err(Errno::EPIPE);
            }
            let dst = match msg.addr {
                Some(a) if family_of(a) != Some(AF_UNSPEC) || st.remote.is_none() => {
                    let (a, port) = parse_addr(a)?;
                    if port == 0 {
                        return Err(Errno::EINVAL);
                    }
                    IpEndpoint::new(ip(a), port)
                }
                _ => st.remote.ok_or(Errno::EDESTADDRREQ)?,
            };
            (self.handle(&mut st)?, dst)
        };
        let d = v4(dst.addr);
        if is_broadcast(d) && !self.common.opts.lock().broadcast {
            return Err(Errno::EACCES);
        }
        if msg.data.len() > MAX_PAYLOAD {
            return Err(Errno::EMSGSIZE);
        }
        let mut meta = udp::UdpMetadata::from(dst);
        if d[0] == 127 {
            meta.local_address = Some(ip([127, 0, 0, 1]));
        } else if stack::eth_addr().is_none() && d != [255; 4] {
            return Err(Errno::ENETUNREACH);
        }
        let nonblock = msg.nonblock || msg.flags.contains(MsgFlags::DONTWAIT);
        let n = block_on(&self.common, Dir::Send, nonblock, || {
            Self::with_sock(h, |s| {
                if !s.can_send() || s.payload_send_capacity() < msg.data.len() {
                    return None;
                }
                Some(match s.send_slice(msg.data, meta) {
                    Ok(()) => Ok(msg.data.len()),
                    Err(udp::SendError::Unaddressable) => Err(Errno::ENETUNREACH),
                    Err(udp::SendError::BufferFull) => Err(Errno::ENOBUFS),
                })
            })
            .unwrap_or(Some(Err(Errno::ENETDOWN)))
        })?;
        stack::poll();
        Ok(n)
    }

    fn recvmsg(&self, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
        let (h, shut_rd) = {
            let mut st = self.st.lock();
            (self.handle(&mut st)?, st.shut_rd)
        };
        let nonblock = nonblock || flags.contains(MsgFlags::DONTWAIT) || shut_rd;
        let peek = flags.contains(MsgFlags::PEEK);
        let deliver = |out: &mut [u8], data: &[u8], from: IpEndpoint| {
            let n = data.len().min(out.len());
            out[..n].copy_from_slice(&data[..n]);
            let flags = if data.len() > n { MsgFlags::TRUNC } else { MsgFlags::empty() };
            Ok(Received { copied: n, len: data.len(), addr: Some(endpoint_addr(from)), flags, ..Default::default() })
        };
        block_on(&self.common, Dir::Recv, nonblock, || {
            let mut st = self.st.lock();
            if let Some((data, from)) = st.backlog.front() {
                let got = deliver(out, data, *from);
                if !peek {
                    st.backlog.pop_front();
                }
                return Some(got);
            }
            let remote = st.remote;
            Self::with_sock(h, |s| {
                if !head_from_peer(s, remote) {
                    return None;
                }
                let (data, meta) = s.peek().ok()?;
                let got = deliver(out, data, meta.endpoint);
                if !peek {
                    let _ = s.recv();
                }
                Some(got)
            })
            .unwrap_or(Some(Err(Errno::ENETDOWN)))
        })
        .or_else(|e| if e == Errno::EAGAIN && shut_rd { Ok(Received::default()) } else { Err(e) })
    }

    fn shutdown(&self, how: Shutdown) -> Result<(), Errno> {
        let mut st = self.st.lock();
        if st.remote.is_none() {
            return Err(Errno::ENOTCONN);
        }
        st.shut_rd |= how.read;
        st.shut_wr |= how.write;
        crate::process::sched::notify();
        Ok(())
    }

    fn sockname(&self) -> Result<Vec<u8>, Errno> {
        let st = self.st.lock();
        Ok(st.local.map_or_else(|| sockaddr([0; 4], 0), listen_addr))
    }

    fn peername(&self) -> Result<Vec<u8>, Errno> {
        self.st.lock().remote.map(endpoint_addr).ok_or(Errno::ENOTCONN)
    }

    fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        let mut st = self.st.lock();
        match (level, name) {
            (SOL_SOCKET, SO_BINDTODEVICE) => {
                st.device = bind_device(val)?;
                Ok(())
            }
            (SOL_IP, IP_TTL) => {
                st.ttl = ttl_opt(val)?;
                if let Some(h) = st.handle {
                    let t = st.ttl;
                    Self::with_sock(h, |s| s.set_hop_limit(t))?;
                }
                Ok(())
            }
            (SOL_IP, _) | (IPPROTO_UDP, _) => Err(Errno::ENOPROTOOPT),
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
            (SOL_IP, IP_TTL) => Ok(int_bytes(st.ttl.map_or(64, i32::from))),
            (SOL_IP, _) | (IPPROTO_UDP, _) => Err(Errno::ENOPROTOOPT),
            _ => {
                drop(st);
                crate::net::options::get(self, level, name)
            }
        }
    }

    fn poll(&self) -> u16 {
        let st = self.st.lock();
        let Some(h) = st.handle else { return POLLOUT };
        let readable = st.shut_rd || !st.backlog.is_empty();
        let remote = st.remote;
        Self::with_sock(h, |s| {
            let mut ev = 0;
            if readable || head_from_peer(s, remote) {
                ev |= POLLIN;
            }
            if s.can_send() {
                ev |= POLLOUT;
            }
            ev
        })
        .unwrap_or(0)
    }

    fn ioctl(&self, cmd: u32, arg: u64) -> Result<usize, Errno> {
        match cmd {
            crate::net::ifconf::FIONREAD | crate::net::ifconf::SIOCOUTQ => {
                let st = self.st.lock();
                let n = match (st.handle, st.backlog.front()) {
                    _ if cmd != crate::net::ifconf::FIONREAD => 0,
                    (_, Some((data, _))) => data.len(),
                    (Some(h), None) => {
                        let remote = st.remote;
                        Self::with_sock(h, |s| {
                            if head_from_peer(s, remote) {
                                s.peek().map_or(0, |(d, _)| d.len())
                            } else {
                                0
                            }
                        })?
                    }
                    (None, None) => 0,
                };
                drop(st);
                crate::mm::usercopy::copy_to_user(arg, &(n as i32).to_le_bytes())?;
                Ok(0)
            }
            _ => crate::net::ifconf::ioctl(cmd, arg),
        }
    }

    fn release(&self) {
        if let Some(h) = self.st.lock().handle.take() {
            let _ = stack::with(|s| s.remove(h));
        }
    }
}
