//! The IP stack: one smoltcp `Interface` over the virtio-net device (eth0),
//! its sockets, the TCP listen queues (a real backlog: smoltcp's listening
//! socket takes one connection, so each listening port keeps several and
//! moves the established ones to its accept queue), and the memory budget
//! of socket buffers. Polled from the device interrupt, the timer tick and
//! after a socket call queued something; never in a busy loop.
//!
//! The tables `ip` and the interface ioctls change live in
//! `kernel_netlink::Rtnl` (RTNL); `apply` copies them into the interface.

use alloc::collections::btree_map::BTreeMap;
use alloc::string::ToString;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use kernel_abi::Errno;
use kernel_netlink::{Link, Rtnl, Stats, ARPHRD_ETHER, ARPHRD_LOOPBACK, IFF_BROADCAST, IFF_LOOPBACK, IFF_MULTICAST};
use smoltcp::iface::{Config, Interface, PollResult, SocketHandle, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::socket::tcp;
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, Ipv4Address};
use spin::Mutex;

use crate::arch::IrqGuard;
use crate::drivers::virtio::net::{Frame, NetDev};
use crate::process::sched;

/// Interface indexes (Linux numbers lo 1, then the NICs).
pub const LO_INDEX: u32 = 1;
pub const ETH0_INDEX: u32 = 2;

/// Reserves `bytes` of the socket buffer budget every family shares
/// (`super::BUDGET`, 4 MiB): ENOBUFS past the cap. smoltcp's buffers are
/// allocated whole when a socket is made, so they are charged then.
pub fn reserve(bytes: usize) -> Result<(), Errno> {
    if super::BUDGET.try_charge(bytes) {
        Ok(())
    } else {
        Err(Errno::ENOBUFS)
    }
}

pub fn release(bytes: usize) {
    super::BUDGET.release(bytes);
}

/// A listening port's connections: sockets in LISTEN or SYN-RECEIVED
/// (`waiting`) and established ones not yet accepted (`ready`).
pub struct ListenQueue {
    pub backlog: usize,
    pub waiting: Vec<SocketHandle>,
    pub ready: alloc::collections::VecDeque<SocketHandle>,
    pub local: smoltcp::wire::IpListenEndpoint,
    /// When each waiting socket got its SYN (a counter): connections join
    /// `ready` in that order, so accept is first come, first served.
    syn_seen: BTreeMap<SocketHandle, u64>,
}

static SYN_COUNTER: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Buffer sizes of the sockets a listening port keeps for new connections.
pub const LISTEN_BUF: usize = 8 << 10;
/// How many sockets wait for SYNs on one port at most.
const SYN_SLOTS: usize = 16;
/// Seconds a half-open connection waits for the ACK of its SYN-ACK.
const SYN_RECEIVED_TIMEOUT_S: u64 = 10;

pub struct Stack {
    pub iface: Interface,
    pub sockets: SocketSet<'static>,
    /// Buffer bytes reserved per socket, released when it is removed.
    sizes: BTreeMap<SocketHandle, usize>,
    pub listens: BTreeMap<u16, ListenQueue>,
    /// Closed by their owner, kept until the connection is over.
    closing: Vec<(SocketHandle, u64)>,
    /// TCP ports bound (bind, listen, connect) and by how many sockets.
    pub tcp_binds: BTreeMap<u16, usize>,
    next_port: u16,
    pub eth_up: bool,
    /// Our IPv4 addresses (eth0's and 127.0.0.1): frames to them loop back.
    locals: Vec<[u8; 4]>,
    /// Frames on their way back in (lo): ARP for our own addresses and
    /// IP packets to them never reach the wire.
    looped: alloc::collections::VecDeque<Vec<u8>>,
}

/// Frames lo holds at most (then they are dropped, as a full backlog).
const LOOP_FRAMES: usize = 512;

static STACK: Mutex<Option<Stack>> = Mutex::new(None);
/// The interface, address and route tables (NETLINK_ROUTE, ioctls).
pub static RTNL: Mutex<Rtnl> = Mutex::new(Rtnl { links: Vec::new(), addrs: Vec::new(), routes: Vec::new() });

fn now() -> Instant {
    Instant::from_micros((crate::arch::timer::now_ns() / 1000) as i64)
}

/// Runs `f` on the stack with IRQs masked; ENETDOWN without a NIC.
pub fn with<R>(f: impl FnOnce(&mut Stack) -> R) -> Result<R, Errno> {
    let _irq = IrqGuard::new();
    let mut g = STACK.lock();
    let r = g.as_mut().map(f).ok_or(Errno::ENETDOWN);
    drop(g);
    r
}

/// Runs `f` on the tables; when it changed them, the interface follows.
pub fn with_rtnl<R>(f: impl FnOnce(&mut Rtnl) -> (R, bool)) -> R {
    let (r, changed) = {
        let _irq = IrqGuard::new();
        let mut t = RTNL.lock();
        let r = f(&mut t);
        sync_loopback(&mut t);
        drop(t);
        r
    };
    if changed {
        apply();
    }
    r
}

/// lo has 127.0.0.1/8 while it is up (Linux's inetdev on NETDEV_UP) and
/// no address while down.
fn sync_loopback(t: &mut Rtnl) {
    let up = t.link(LO_INDEX).is_some_and(|l| l.up());
    let has = t.addrs.iter().any(|a| a.index == LO_INDEX);
    if up && !has {
        let _ = t.add_addr(kernel_netlink::Addr { index: LO_INDEX, addr: [127, 0, 0, 1], prefix: 8, broadcast: None });
    } else if !up && has {
        while t.del_addr(LO_INDEX, None).is_ok() {}
    }
}

/// Brings up the tables (lo always; eth0 when a virtio-net device exists)
/// and the interface.
pub fn init() {
    let mut t = Rtnl::default();
    t.links.push(Link {
        index: LO_INDEX,
        name: "lo".to_string(),
        // Down at boot, as on Linux: `ip link set lo up` gives it 127.0.0.1.
        flags: IFF_LOOPBACK,
        mtu: 65536,
        mac: [0; 6],
        kind: ARPHRD_LOOPBACK,
        stats: Stats::default(),
    });
    let dev = crate::drivers::virtio::net();
    if let Some(dev) = dev {
        t.links.push(Link {
            index: ETH0_INDEX,
            name: "eth0".to_string(),
            flags: IFF_BROADCAST | IFF_MULTICAST,
            mtu: 1500,
            mac: dev.mac,
            kind: ARPHRD_ETHER,
            stats: Stats::default(),
        });
    }
    *RTNL.lock() = t;
    let Some(dev) = dev else { return };
    let mut config = Config::new(HardwareAddress::Ethernet(EthernetAddress(dev.mac)));
    config.random_seed = crate::arch::timer::counter() ^ 0x9e37_79b9_7f4a_7c15;
    let mut looped = Default::default();
    let mut eth = Eth { dev, up: false, locals: &[], looped: &mut looped, budget: 0 };
    let iface = Interface::new(config, &mut eth, now());
    let _irq = IrqGuard::new();
    *STACK.lock() = Some(Stack {
        iface,
        sockets: SocketSet::new(vec![]),
        sizes: BTreeMap::new(),
        listens: BTreeMap::new(),
        closing: Vec::new(),
        tcp_binds: BTreeMap::new(),
        locals: Vec::new(),
        looped: Default::default(),
        next_port: 49152 + (crate::arch::timer::counter() % 4096) as u16,
        eth_up: false,
    });
}

/// Copies eth0's state, addresses and default route into the interface.
pub fn apply() {
    let (up, addrs, gateway, lo_up) = {
        let _irq = IrqGuard::new();
        let t = RTNL.lock();
        let up = t.link(ETH0_INDEX).is_some_and(|l| l.up());
        let addrs: Vec<_> = t.addrs.iter().filter(|a| a.index == ETH0_INDEX).map(|a| (a.addr, a.prefix)).collect();
        let gw = t.default_gateway().filter(|(_, oif)| *oif == ETH0_INDEX).map(|(g, _)| g);
        let lo_up = t.link(LO_INDEX).is_some_and(|l| l.up());
        (up, addrs, gw, lo_up)
    };
    let _ = with(|s| {
        s.eth_up = up;
        s.iface.update_ip_addrs(|list| {
            list.clear();
            // eth0's first: smoltcp takes the first address as the source
            // of everything it sends without a bound one.
            for (a, p) in &addrs {
                let _ = list.push(IpCidr::new(IpAddress::Ipv4(Ipv4Address::from(*a)), *p));
            }
            if lo_up {
                let _ = list.push(IpCidr::new(IpAddress::Ipv4(Ipv4Address::new(127, 0, 0, 1)), 8));
            }
        });
        s.locals = addrs.iter().map(|(a, _)| *a).chain(lo_up.then_some([127, 0, 0, 1])).collect();
        match gateway {
            Some(g) => {
                let _ = s.iface.routes_mut().add_default_ipv4_route(Ipv4Address::from(g));
            }
            None => {
                s.iface.routes_mut().remove_default_ipv4_route();
            }
        }
    });
    poll();
}

/// The timer tick: TCP timers and retransmissions.
pub fn tick() {
    poll();
}

/// Runs the interface until it has nothing more to do, then wakes waiters.
pub fn poll() {
    let Some(dev) = crate::drivers::virtio::net() else { return };
    {
        let _irq = IrqGuard::new();
        let mut g = STACK.lock();
        let Some(s) = g.as_mut() else { return };
        // A few frames per round, the listen queues refilled between
        // rounds: a burst of SYNs larger than the listening slots is
        // then spread over rounds instead of reset.
        for _ in 0..1024 {
            // One frame per round while a port listens: each SYN is seen
            // arriving (accept order) and a slot is ready for the next.
            let budget = if s.listens.is_empty() { FRAMES_PER_ROUND } else { 1 };
            let mut eth = Eth { dev, up: s.eth_up, locals: &s.locals, looped: &mut s.looped, budget };
            let r = s.iface.poll(now(), &mut eth, &mut s.sockets);
            let more = eth.budget == 0 || !eth.looped.is_empty();
            s.service_listens();
            if r == PollResult::None && !more {
                break;
            }
        }
        s.reap();
        drop(g);
    }
    // One notification for everything this poll queued.
    dev.kick();
    sched::notify();
}

impl Stack {
    /// Adds a socket whose buffers take `bytes` (already reserved).
    pub fn add<T: smoltcp::socket::AnySocket<'static>>(&mut self, socket: T, bytes: usize) -> SocketHandle {
        let h = self.sockets.add(socket);
        self.sizes.insert(h, bytes);
        h
    }

    /// Removes a socket at once and gives its buffers back.
    pub fn remove(&mut self, h: SocketHandle) {
        self.sockets.remove(h);
        if let Some(b) = self.sizes.remove(&h) {
            release(b);
        }
    }

    /// A TCP socket closed by its owner: FIN now, removed once the
    /// connection is over (or after 60 s, aborted).
    pub fn close_tcp(&mut self, h: SocketHandle) {
        self.sockets.get_mut::<tcp::Socket>(h).close();
        let deadline = crate::arch::timer::now_ns() + 60_000_000_000;
        self.closing.push((h, deadline));
    }

    fn reap(&mut self) {
        let now_ns = crate::arch::timer::now_ns();
        let mut i = 0;
        while i < self.closing.len() {
            let (h, deadline) = self.closing[i];
            let sock = self.sockets.get_mut::<tcp::Socket>(h);
            let over = matches!(sock.state(), tcp::State::Closed | tcp::State::TimeWait);
            if over || now_ns > deadline {
                sock.abort();
                self.closing.swap_remove(i);
                self.remove(h);
            } else {
                i += 1;
            }
        }
    }

    /// A free ephemeral port (49152-65535) no TCP or UDP socket uses.
    pub fn ephemeral_port(&mut self, used: impl Fn(&Stack, u16) -> bool) -> Result<u16, Errno> {
        for _ in 0..16384 {
            let p = self.next_port;
            self.next_port = if p >= 65535 { 49152 } else { p + 1 };
            if !used(self, p) {
                return Ok(p);
            }
        }
        Err(Errno::EADDRNOTAVAIL)
    }

    /// Whether a TCP socket (listening, connected or closing) has local `port`.
    pub fn tcp_port_used(&self, port: u16) -> bool {
        self.listens.contains_key(&port)
            || self.sockets.iter().any(|(_, s)| match s {
                smoltcp::socket::Socket::Tcp(t) => t.local_endpoint().is_some_and(|e| e.port == port),
                _ => false,
            })
    }

    /// A new TCP socket with `rx`/`tx` byte buffers (budget reserved here).
    pub fn new_tcp(&mut self, rx: usize, tx: usize) -> Result<SocketHandle, Errno> {
        reserve(rx + tx)?;
        let mut s = tcp::Socket::new(tcp::SocketBuffer::new(vec![0; rx]), tcp::SocketBuffer::new(vec![0; tx]));
        s.set_nagle_enabled(false);
        s.set_ack_delay(None);
        Ok(self.add(s, rx + tx))
    }

    /// Keeps every listening port's queue full: established connections
    /// move to `ready` (up to the backlog), new listening sockets replace
    /// them; a socket that went back to CLOSED (a reset) is replaced too.
    fn service_listens(&mut self) {
        let ports: Vec<u16> = self.listens.keys().copied().collect();
        for port in ports {
            let Some(mut q) = self.listens.remove(&port) else { continue };
            let mut i = 0;
            let mut established = Vec::new();
            while i < q.waiting.len() {
                let h = q.waiting[i];
                let state = self.sockets.get::<tcp::Socket>(h).state();
                match state {
                    tcp::State::Listen => i += 1,
                    tcp::State::SynReceived => {
                        if let alloc::collections::btree_map::Entry::Vacant(e) = q.syn_seen.entry(h) {
                            e.insert(SYN_COUNTER.fetch_add(1, Ordering::Relaxed));
                            // A half-open connection whose ACK never comes
                            // (a SYN flood's) is dropped, as Linux drops it
                            // after its SYN-ACK retries: its retransmissions
                            // would hold smoltcp's one ARP request a second.
                            let timeout = smoltcp::time::Duration::from_secs(SYN_RECEIVED_TIMEOUT_S);
                            self.sockets.get_mut::<tcp::Socket>(h).set_timeout(Some(timeout));
                        }
                        i += 1;
                    }
                    tcp::State::Closed => {
                        q.waiting.swap_remove(i);
                        q.syn_seen.remove(&h);
                        self.remove(h);
                    }
                    _ => {
                        q.waiting.swap_remove(i);
                        self.sockets.get_mut::<tcp::Socket>(h).set_timeout(None);
                        let seq = q.syn_seen.remove(&h).unwrap_or_else(|| SYN_COUNTER.fetch_add(1, Ordering::Relaxed));
                        established.push((seq, h));
                    }
                }
            }
            established.sort_unstable();
            q.ready.extend(established.into_iter().map(|(_, h)| h));
            // Sockets still in LISTEN (those in SYN-RECEIVED wait for their ACK).
            let mut listening = q.waiting.len() - q.syn_seen.len();
            while listening < SYN_SLOTS.min(q.backlog.max(1)) && q.ready.len() + q.waiting.len() < q.backlog + SYN_SLOTS
            {
                let Ok(h) = self.new_tcp(LISTEN_BUF, LISTEN_BUF) else { break };
                if self.sockets.get_mut::<tcp::Socket>(h).listen(q.local).is_err() {
                    self.remove(h);
                    break;
                }
                q.waiting.push(h);
                listening += 1;
            }
            // A SYN flood fills every slot with half-open connections whose
            // ACK never comes; with no socket left in LISTEN, smoltcp would
            // answer every later SYN, a real client's too, with a RST. As a
            // BSD syncache does, the oldest half-open connection makes room.
            if listening == 0 {
                let oldest = q.syn_seen.iter().min_by_key(|(_, seq)| **seq).map(|(h, _)| *h);
                if let Some(old) = oldest {
                    q.syn_seen.remove(&old);
                    q.waiting.retain(|w| *w != old);
                    self.remove(old);
                    if let Ok(h) = self.new_tcp(LISTEN_BUF, LISTEN_BUF) {
                        match self.sockets.get_mut::<tcp::Socket>(h).listen(q.local) {
                            Ok(()) => q.waiting.push(h),
                            Err(_) => self.remove(h),
                        }
                    }
                }
            }
            self.listens.insert(port, q);
        }
    }

    /// Starts listening on `local` with `backlog`; EADDRINUSE when taken.
    pub fn listen(&mut self, local: smoltcp::wire::IpListenEndpoint, backlog: usize) -> Result<(), Errno> {
        if let Some(q) = self.listens.get_mut(&local.port) {
            q.backlog = backlog;
            return Ok(());
        }
        self.listens.insert(
            local.port,
            ListenQueue { backlog, waiting: Vec::new(), ready: Default::default(), local, syn_seen: BTreeMap::new() },
        );
        self.service_listens();
        if self.listens.get(&local.port).is_some_and(|q| q.waiting.is_empty()) {
            self.listens.remove(&local.port);
            return Err(Errno::ENOBUFS);
        }
        Ok(())
    }

    /// Stops listening on `port`: pending connections are reset.
    pub fn unlisten(&mut self, port: u16) {
        if let Some(q) = self.listens.remove(&port) {
            for h in q.waiting.into_iter().chain(q.ready) {
                self.sockets.get_mut::<tcp::Socket>(h).abort();
                self.closing.push((h, 0));
            }
        }
    }
}

/// eth0 as smoltcp sees it. Each received frame is shown to the packet
/// sockets first; while eth0 is down frames are dropped (and their
/// buffers recycled) and nothing is sent.
struct Eth<'s> {
    dev: &'static Arc<NetDev>,
    up: bool,
    locals: &'s [[u8; 4]],
    looped: &'s mut alloc::collections::VecDeque<Vec<u8>>,
    /// Frames this round may still take in.
    budget: usize,
}

const FRAMES_PER_ROUND: usize = 8;

enum Rx {
    Wire { dev: &'static Arc<NetDev>, frame: Option<Frame> },
    Looped(Vec<u8>),
}

struct Tx<'a> {
    dev: &'static Arc<NetDev>,
    up: bool,
    locals: &'a [[u8; 4]],
    looped: &'a mut alloc::collections::VecDeque<Vec<u8>>,
}

/// Whether a frame smoltcp sends stays in this machine: an ARP request
/// for one of our addresses, anything to our own MAC, IPv4 to our addresses.
fn stays_local(f: &[u8], mac: [u8; 6], locals: &[[u8; 4]]) -> bool {
    if f.len() < 14 {
        return false;
    }
    if f[..6] == mac {
        return true;
    }
    match u16::from_be_bytes([f[12], f[13]]) {
        0x0806 if f.len() >= 42 => locals.iter().any(|a| f[38..42] == *a),
        0x0800 if f.len() >= 34 => locals.iter().any(|a| f[30..34] == *a),
        _ => false,
    }
}

impl Device for Eth<'_> {
    type RxToken<'a>
        = Rx
    where
        Self: 'a;
    type TxToken<'a>
        = Tx<'a>
    where
        Self: 'a;

    fn receive(&mut self, _t: Instant) -> Option<(Rx, Tx<'_>)> {
        if self.budget == 0 {
            return None;
        }
        let rx = if let Some(f) = self.looped.pop_front() {
            Rx::Looped(f)
        } else {
            loop {
                let frame = self.dev.receive()?;
                if !self.up {
                    self.dev.recycle(frame);
                    continue;
                }
                super::packet::tap(frame.bytes());
                break Rx::Wire { dev: self.dev, frame: Some(frame) };
            }
        };
        self.budget -= 1;
        Some((rx, Tx { dev: self.dev, up: self.up, locals: self.locals, looped: self.looped }))
    }

    fn transmit(&mut self, _t: Instant) -> Option<Tx<'_>> {
        // A full transmit ring: smoltcp keeps the data and tries again at
        // the next poll (the device interrupts when a slot frees up).
        if self.up && !self.dev.can_send() {
            return None;
        }
        Some(Tx { dev: self.dev, up: self.up, locals: self.locals, looped: self.looped })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps
    }
}

impl RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(mut self, f: F) -> R {
        match &mut self {
            Rx::Wire { dev, frame } => {
                let frame = frame.take().expect("one consume per token");
                let r = f(frame.bytes());
                dev.recycle(frame);
                r
            }
            Rx::Looped(v) => f(v),
        }
    }
}

impl Drop for Rx {
    /// A token smoltcp dropped unconsumed still gives its buffer back.
    fn drop(&mut self) {
        if let Rx::Wire { dev, frame } = self {
            if let Some(f) = frame.take() {
                dev.recycle(f);
            }
        }
    }
}

impl TxToken for Tx<'_> {
    /// Built straight into a transmit slot; a frame for this machine is
    /// copied to lo instead of sent.
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let (mac, locals, up, looped) = (self.dev.mac, self.locals, self.up, self.looped);
        self.dev
            .send_with(len, |buf| {
                let r = f(buf);
                if stays_local(buf, mac, locals) {
                    if looped.len() < LOOP_FRAMES {
                        let mut lo = LO_STATS.lock();
                        lo.0 += 1;
                        lo.1 += buf.len() as u64;
                        drop(lo);
                        looped.push_back(buf.to_vec());
                    }
                    (r, false)
                } else {
                    (r, up)
                }
            })
            .0
    }
}

/// lo's packets and bytes (each looped frame is sent and received once).
static LO_STATS: Mutex<(u64, u64)> = Mutex::new((0, 0));

/// Sends a whole Ethernet frame (packet sockets), when eth0 is up.
pub fn send_frame(frame: &[u8]) -> Result<(), Errno> {
    let dev = crate::drivers::virtio::net().ok_or(Errno::ENODEV)?;
    let up = with(|s| s.eth_up)?;
    if !up {
        return Err(Errno::ENETDOWN);
    }
    if dev.send(frame) {
        Ok(())
    } else {
        Err(Errno::ENOBUFS)
    }
}

/// eth0's counters (for /proc/net/dev and the link dump).
pub fn eth_stats() -> Stats {
    let Some(d) = crate::drivers::virtio::net() else { return Stats::default() };
    Stats {
        rx_packets: d.rx_packets.load(Ordering::Relaxed),
        tx_packets: d.tx_packets.load(Ordering::Relaxed),
        rx_bytes: d.rx_bytes.load(Ordering::Relaxed),
        tx_bytes: d.tx_bytes.load(Ordering::Relaxed),
        rx_errors: 0,
        tx_errors: d.tx_errors.load(Ordering::Relaxed),
        rx_dropped: d.rx_dropped.load(Ordering::Relaxed),
        tx_dropped: d.tx_dropped.load(Ordering::Relaxed),
    }
}

/// The tables with eth0's live counters filled in.
pub fn snapshot() -> Rtnl {
    let _irq = IrqGuard::new();
    let mut t = RTNL.lock().clone();
    if let Some(l) = t.link_mut(ETH0_INDEX) {
        l.stats = eth_stats();
    }
    let (p, b) = *LO_STATS.lock();
    if let Some(l) = t.link_mut(LO_INDEX) {
        l.stats = Stats { rx_packets: p, tx_packets: p, rx_bytes: b, tx_bytes: b, ..Stats::default() };
    }
    t
}

/// eth0's first IPv4 address.
pub fn eth_addr() -> Option<[u8; 4]> {
    let _irq = IrqGuard::new();
    RTNL.lock().addrs.iter().find(|a| a.index == ETH0_INDEX).map(|a| a.addr)
}

/// An IP packet a raw socket sends to one of our own addresses: it goes
/// round lo as given (IP_HDRINCL; only the total length and the header
/// checksum are filled in, as Linux's raw_send_hdrinc does), so the stack
/// receives it however malformed the rest is.
pub fn inject_local(packet: &[u8]) -> Result<(), Errno> {
    let dev = crate::drivers::virtio::net().ok_or(Errno::ENETUNREACH)?;
    let mut frame = Vec::with_capacity(14 + packet.len());
    frame.extend_from_slice(&dev.mac);
    frame.extend_from_slice(&dev.mac);
    frame.extend_from_slice(&0x0800u16.to_be_bytes());
    frame.extend_from_slice(packet);
    let ip = &mut frame[14..];
    if ip.len() >= 20 {
        let len = ip.len() as u16;
        ip[2..4].copy_from_slice(&len.to_be_bytes());
        ip[10..12].fill(0);
        let ihl = ((ip[0] & 15) as usize * 4).clamp(20, ip.len());
        let c = super::inet::raw::checksum(&ip[..ihl]);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
    }
    let queued = with(|s| {
        if s.looped.len() >= LOOP_FRAMES {
            return false;
        }
        s.looped.push_back(frame);
        true
    })?;
    if !queued {
        return Err(Errno::ENOBUFS);
    }
    poll();
    Ok(())
}

/// Whether `a` is one of our addresses (lo's or eth0's).
pub fn is_local(a: [u8; 4]) -> bool {
    with(|s| s.locals.contains(&a) || (a[0] == 127 && s.locals.contains(&[127, 0, 0, 1]))).unwrap_or(false)
}
