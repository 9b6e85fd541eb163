//! AF_PACKET: frames as eth0 receives them, before the IP stack sees
//! them (a tap in the device wrapper, as smoltcp's raw sockets are IP-level),
//! and frames sent as they are given (SOCK_RAW) or with the Ethernet header
//! the kernel builds (SOCK_DGRAM: `udhcpc`'s DHCP before it has an address).

use alloc::collections::VecDeque;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

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
    pub protocol: Mutex<u16>,
    /// 0: any interface.
    pub ifindex: Mutex<u32>,
    pub queue: Mutex<VecDeque<Captured>>,
    pub queued: Mutex<usize>,
    pub dropped: core::sync::atomic::AtomicU64,
}

impl Tap {
    pub fn new(protocol: u16) -> Arc<Tap> {
        let t = Arc::new(Tap {
            protocol: Mutex::new(protocol),
            ifindex: Mutex::new(0),
            queue: Mutex::new(VecDeque::new()),
            queued: Mutex::new(0),
            dropped: core::sync::atomic::AtomicU64::new(0),
        });
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
        let p = *self.protocol.lock();
        let idx = *self.ifindex.lock();
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
