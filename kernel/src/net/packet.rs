//! AF_PACKET: frames as eth0 receives them, before the IP stack sees
//! them (a tap in the device wrapper, as smoltcp's raw sockets are IP-level),
//! and frames sent as they are given (SOCK_RAW) or with the Ethernet header
//! the kernel builds (SOCK_DGRAM: `udhcpc`'s DHCP before it has an address).

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicU16, AtomicU32};

use spin::Mutex;

use super::stack;

pub const ETH_P_ALL: u16 = 0x0003;
pub const ETH_P_IP: u16 = 0x0800;
const ETH_HLEN: usize = 14;
/// Bytes queued on one packet socket at most (then frames are dropped,
/// counted, as Linux drops past sk_rcvbuf).
pub const QUEUE_CAP: usize = 64 << 10;

/// PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST.
fn pkttype(frame: &[u8], own: [u8; 6]) -> u8 {
    let dst = &frame[..6];
    if dst == own {
        0
    } else if dst == [0xff; 6] {
        1
    } else if dst[0] & 1 != 0 {
        2
    } else {
        3
    }
}

/// A received frame on a packet socket's queue.
pub struct Captured {
    pub frame: Vec<u8>,
    pub pkttype: u8,
}

/// What a packet socket receives: its protocol filter, interface and queue.
pub struct Tap {
    /// Ethertype (host order); ETH_P_ALL for everything; 0 for nothing.
    pub protocol: AtomicU16,
    /// 0: any interface.
    pub ifindex: AtomicU32,
    pub queue: Mutex<VecDeque<Captured>>,
    pub queued: Mutex<usize>,
    pub dropped: core::sync::atomic::AtomicU64,
}

impl Tap {
    pub fn new(protocol: u16) -> Arc<Tap> {
        let t = Arc::new(Tap {
            protocol: AtomicU16::new(protocol),
            ifindex: AtomicU32::new(0),
            queue: Mutex::new(VecDeque::new()),
            queued: Mutex::new(0),
            dropped: core::sync::atomic::AtomicU64::new(0),
        });
        let _irq = crate::arch::IrqGuard::new();
        TAPS.lock().push(Arc::downgrade(&t));
        t
    }

    /// The next frame, taken off the queue (or only looked at).
    pub fn pop(&self, peek: bool) -> Option<Captured> {
        let _irq = crate::arch::IrqGuard::new();
        let mut q = self.queue.lock();
        if peek {
            return q.front().map(|c| Captured { frame: c.frame.clone(), pkttype: c.pkttype });
        }
        let c = q.pop_front()?;
        *self.queued.lock() -= c.frame.len();
        stack::release(c.frame.len());
        Some(c)
    }

    pub fn readable(&self) -> bool {
        let _irq = crate::arch::IrqGuard::new();
        !self.queue.lock().is_empty()
    }

    fn offer(&self, frame: &[u8], ethertype: u16, own: [u8; 6]) {
        let p = self.protocol.load(Relaxed);
        let idx = self.ifindex.load(Relaxed);
        if p == 0 || (p != ETH_P_ALL && p != ethertype) || (idx != 0 && idx != stack::ETH0_INDEX) {
            return;
        }
        let mut queued = self.queued.lock();
        if *queued + frame.len() > QUEUE_CAP || stack::reserve(frame.len()).is_err() {
            self.dropped.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            return;
        }
        *queued += frame.len();
        self.queue.lock().push_back(Captured { frame: frame.to_vec(), pkttype: pkttype(frame, own) });
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        let n: usize = self.queue.get_mut().iter().map(|c| c.frame.len()).sum();
        stack::release(n);
    }
}

static TAPS: Mutex<Vec<Weak<Tap>>> = Mutex::new(Vec::new());

/// Shows a frame eth0 received to every packet socket that wants it
/// (called with IRQs masked, from the stack's poll).
pub fn tap(frame: &[u8]) {
    if frame.len() < ETH_HLEN {
        return;
    }
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    let own = crate::drivers::virtio::net().map_or([0; 6], |d| d.mac);
    let mut taps = TAPS.lock();
    taps.retain(|w| w.strong_count() > 0);
    for t in taps.iter().filter_map(Weak::upgrade) {
        t.offer(frame, ethertype, own);
    }
}

/// An Ethernet frame from eth0's MAC to `dst` carrying `payload`.
pub fn build_frame(dst: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let src = crate::drivers::virtio::net().map_or([0; 6], |d| d.mac);
    let mut f = Vec::with_capacity(ETH_HLEN + payload.len());
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

// ---- The AF_PACKET socket over a tap ----

use alloc::sync::Arc as SArc;

use kernel_abi::Errno;

use super::consts::*;
use super::{block_on, Common, Dir, Family, MsgFlags, Received, SendArgs, Shutdown, Socket, POLLIN, POLLOUT};

pub const SOL_PACKET: i32 = 263;
/// sockaddr_ll: family, protocol (big-endian), ifindex, hatype, pkttype,
/// halen, addr[8].
const SOCKADDR_LL: usize = 20;

pub const FAMILY: Family = Family { family: AF_PACKET, create, pair: None };

fn create(ty: i32, protocol: i32) -> Result<SArc<dyn Socket>, Errno> {
    if ty != SOCK_DGRAM && ty != SOCK_RAW {
        return Err(Errno::ESOCKTNOSUPPORT);
    }
    if !crate::syscall::current::is_privileged(&crate::process::current_creds()) {
        return Err(Errno::EPERM);
    }
    // The protocol is an ethertype in network byte order.
    let proto = (protocol as u16).swap_bytes();
    Ok(SArc::new(PacketSocket { common: Common::new(AF_PACKET, ty, protocol), tap: Tap::new(proto) }))
}

pub struct PacketSocket {
    common: Common,
    tap: SArc<Tap>,
}

struct Ll {
    protocol: u16,
    ifindex: u32,
    halen: u8,
    addr: [u8; 8],
}

fn parse_ll(b: &[u8]) -> Result<Ll, Errno> {
    if b.len() < 12 {
        return Err(Errno::EINVAL);
    }
    if u16::from_le_bytes([b[0], b[1]]) as i32 != AF_PACKET {
        return Err(Errno::EINVAL);
    }
    let mut addr = [0u8; 8];
    let n = b.len().min(SOCKADDR_LL).saturating_sub(12);
    addr[..n].copy_from_slice(&b[12..12 + n]);
    Ok(Ll {
        protocol: u16::from_be_bytes([b[2], b[3]]),
        ifindex: i32::from_le_bytes([b[4], b[5], b[6], b[7]]) as u32,
        halen: *b.get(11).unwrap_or(&0),
        addr,
    })
}

fn sockaddr_ll(protocol: u16, ifindex: u32, pkttype: u8, mac: &[u8]) -> alloc::vec::Vec<u8> {
    let mut v = alloc::vec![0u8; SOCKADDR_LL];
    v[..2].copy_from_slice(&(AF_PACKET as u16).to_le_bytes());
    v[2..4].copy_from_slice(&protocol.to_be_bytes());
    v[4..8].copy_from_slice(&(ifindex as i32).to_le_bytes());
    v[8..10].copy_from_slice(&(kernel_netlink::ARPHRD_ETHER).to_le_bytes());
    v[10] = pkttype;
    v[11] = 6;
    v[12..18].copy_from_slice(&mac[..6]);
    v
}

fn check_index(ifindex: u32) -> Result<(), Errno> {
    if ifindex == 0 || super::stack::RTNL.lock().link(ifindex).is_some() {
        Ok(())
    } else {
        Err(Errno::ENODEV)
    }
}

impl Socket for PacketSocket {
    fn common(&self) -> &Common {
        &self.common
    }

    fn bind(&self, addr: &[u8]) -> Result<(), Errno> {
        let ll = parse_ll(addr)?;
        check_index(ll.ifindex)?;
        self.tap.ifindex.store(ll.ifindex, Relaxed);
        if ll.protocol != 0 {
            self.tap.protocol.store(ll.protocol, Relaxed);
        }
        Ok(())
    }

    fn connect(&self, _addr: &[u8], _nonblock: bool) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn sendmsg(&self, msg: SendArgs) -> Result<usize, Errno> {
        let bound = self.tap.ifindex.load(Relaxed);
        let raw = self.common.ty == SOCK_RAW;
        let frame = match msg.addr {
            Some(a) => {
                let ll = parse_ll(a)?;
                check_index(ll.ifindex)?;
                if ll.ifindex != 0 && ll.ifindex != stack::ETH0_INDEX {
                    // lo carries no frames here.
                    return Err(Errno::ENXIO);
                }
                if raw {
                    msg.data.to_vec()
                } else {
                    if ll.halen < 6 {
                        return Err(Errno::EINVAL);
                    }
                    let mut dst = [0u8; 6];
                    dst.copy_from_slice(&ll.addr[..6]);
                    let proto = if ll.protocol != 0 { ll.protocol } else { self.tap.protocol.load(Relaxed) };
                    build_frame(dst, proto, msg.data)
                }
            }
            None if raw && bound == stack::ETH0_INDEX => msg.data.to_vec(),
            None => return Err(if bound == 0 { Errno::ENXIO } else { Errno::EDESTADDRREQ }),
        };
        if frame.len() < ETH_HLEN {
            return Err(Errno::EINVAL);
        }
        if frame.len() > 1514 {
            return Err(Errno::EMSGSIZE);
        }
        stack::send_frame(&frame)?;
        Ok(msg.data.len())
    }

    fn recvmsg(&self, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
        let nonblock = nonblock || flags.contains(MsgFlags::DONTWAIT);
        let peek = flags.contains(MsgFlags::PEEK);
        let c = block_on(&self.common, Dir::Recv, nonblock, || self.tap.pop(peek).map(Ok))?;
        let ethertype = u16::from_be_bytes([c.frame[12], c.frame[13]]);
        let data = if self.common.ty == SOCK_RAW { &c.frame[..] } else { &c.frame[ETH_HLEN..] };
        let n = data.len().min(out.len());
        out[..n].copy_from_slice(&data[..n]);
        let flags = if data.len() > n { MsgFlags::TRUNC } else { MsgFlags::empty() };
        Ok(Received {
            copied: n,
            len: data.len(),
            addr: Some(sockaddr_ll(ethertype, stack::ETH0_INDEX, c.pkttype, &c.frame[6..12])),
            flags,
            ..Default::default()
        })
    }

    fn shutdown(&self, _how: Shutdown) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn sockname(&self) -> Result<alloc::vec::Vec<u8>, Errno> {
        let idx = self.tap.ifindex.load(Relaxed);
        let mac =
            if idx == stack::ETH0_INDEX { crate::drivers::virtio::net().map_or([0; 6], |d| d.mac) } else { [0; 6] };
        let mut v = sockaddr_ll(self.tap.protocol.load(Relaxed), idx, 0, &mac);
        if idx == 0 {
            v[11] = 0;
        }
        Ok(v)
    }

    fn peername(&self) -> Result<alloc::vec::Vec<u8>, Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        match (level, name) {
            // PACKET_AUXDATA, PACKET_ADD_MEMBERSHIP, rings...: not
            // implemented (udhcpc tolerates ENOPROTOOPT).
            (SOL_PACKET, _) => Err(Errno::ENOPROTOOPT),
            // SO_ATTACH_FILTER (BPF): not implemented; udhcpc goes on without it.
            (SOL_SOCKET, 26) => Err(Errno::ENOPROTOOPT),
            _ => super::options::set(&self.common, level, name, val),
        }
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<alloc::vec::Vec<u8>, Errno> {
        match level {
            SOL_PACKET => Err(Errno::ENOPROTOOPT),
            _ => super::options::get(self, level, name),
        }
    }

    fn poll(&self) -> u16 {
        (if self.tap.readable() { POLLIN } else { 0 }) | POLLOUT
    }

    fn ioctl(&self, cmd: u32, arg: u64) -> Result<usize, Errno> {
        if cmd == super::ifconf::FIONREAD {
            let n =
                self.tap.pop(true).map_or(0, |c| c.frame.len() - if self.common.ty == SOCK_RAW { 0 } else { ETH_HLEN });
            crate::mm::usercopy::copy_to_user(arg, &(n as i32).to_le_bytes())?;
            return Ok(0);
        }
        super::ifconf::ioctl(cmd, arg)
    }

    fn release(&self) {
        self.tap.protocol.store(0, Relaxed);
        while self.tap.pop(false).is_some() {}
    }
}
