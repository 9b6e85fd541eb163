//! AF_NETLINK, NETLINK_ROUTE only: each datagram sent is a batch of
//! requests for `kernel_netlink::Rtnl` (the interface, address and route
//! tables); the replies queue on the socket as datagrams (a dump packs its
//! messages into datagrams of up to 4 KiB, ending with NLMSG_DONE).
//! Multicast groups are accepted at bind but no notifications are sent.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use kernel_abi::Errno;
use spin::Mutex;

use super::consts::*;
use super::{block_on, stack, Common, Dir, Family, MsgFlags, Received, SendArgs, Shutdown, Socket, POLLIN, POLLOUT};

pub const NETLINK_ROUTE: i32 = 0;
const SOCKADDR_NL: usize = 12;
/// A reply datagram's size at most (Linux's NLMSG_GOODSIZE is a page).
const DATAGRAM: usize = 4096;
/// Bytes of replies one socket may hold (then requests get ENOBUFS).
const QUEUE_CAP: usize = 256 << 10;

pub const FAMILY: Family = Family { family: AF_NETLINK, create, pair: None };

fn create(ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    if ty != SOCK_DGRAM && ty != SOCK_RAW {
        return Err(Errno::ESOCKTNOSUPPORT);
    }
    if protocol != NETLINK_ROUTE {
        return Err(Errno::EPROTONOSUPPORT);
    }
    Ok(Arc::new(NetlinkSocket {
        common: Common::new(AF_NETLINK, ty, protocol),
        portid: AtomicU32::new(0),
        groups: AtomicU32::new(0),
        queue: Mutex::new((VecDeque::new(), 0)),
    }))
}

/// Port ids handed out to sockets that bind with 0 after the first
/// (which gets its process's pid, as Linux).
static NEXT_PORT: AtomicU32 = AtomicU32::new(0x8000_0000);

pub struct NetlinkSocket {
    common: Common,
    portid: AtomicU32,
    groups: AtomicU32,
    /// Reply datagrams and their bytes.
    queue: Mutex<(VecDeque<Vec<u8>>, usize)>,
}

fn sockaddr_nl(pid: u32, groups: u32) -> Vec<u8> {
    let mut v = alloc::vec![0u8; SOCKADDR_NL];
    v[..2].copy_from_slice(&(AF_NETLINK as u16).to_le_bytes());
    v[4..8].copy_from_slice(&pid.to_le_bytes());
    v[8..12].copy_from_slice(&groups.to_le_bytes());
    v
}

impl NetlinkSocket {
    fn autobind(&self) -> u32 {
        let p = self.portid.load(Ordering::SeqCst);
        if p != 0 {
            return p;
        }
        let pid = crate::process::current_pid();
        let id = if PIDS_USED.lock().contains(&pid) { NEXT_PORT.fetch_add(1, Ordering::SeqCst) } else { pid };
        PIDS_USED.lock().push(id);
        self.portid.store(id, Ordering::SeqCst);
        id
    }
}

static PIDS_USED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

impl Socket for NetlinkSocket {
    fn common(&self) -> &Common {
        &self.common
    }

    fn bind(&self, addr: &[u8]) -> Result<(), Errno> {
        if addr.len() < SOCKADDR_NL || u16::from_le_bytes([addr[0], addr[1]]) as i32 != AF_NETLINK {
            return Err(Errno::EINVAL);
        }
        let pid = u32::from_le_bytes([addr[4], addr[5], addr[6], addr[7]]);
        let groups = u32::from_le_bytes([addr[8], addr[9], addr[10], addr[11]]);
        if pid != 0 {
            let mut used = PIDS_USED.lock();
            if used.contains(&pid) && self.portid.load(Ordering::SeqCst) != pid {
                return Err(Errno::EADDRINUSE);
            }
            if self.portid.load(Ordering::SeqCst) == 0 {
                used.push(pid);
                self.portid.store(pid, Ordering::SeqCst);
            }
        } else {
            self.autobind();
        }
        self.groups.store(groups, Ordering::SeqCst);
        Ok(())
    }

    fn connect(&self, addr: &[u8], _nonblock: bool) -> Result<(), Errno> {
        if addr.len() < SOCKADDR_NL {
            return Err(Errno::EINVAL);
        }
        self.autobind();
        Ok(())
    }

    fn sendmsg(&self, msg: SendArgs) -> Result<usize, Errno> {
        if let Some(a) = msg.addr {
            if a.len() < SOCKADDR_NL || u16::from_le_bytes([a[0], a[1]]) as i32 != AF_NETLINK {
                return Err(Errno::EINVAL);
            }
            // Only the kernel (port 0) answers; no multicast sends.
            if u32::from_le_bytes([a[4], a[5], a[6], a[7]]) != 0 {
                return Err(Errno::ECONNREFUSED);
            }
        }
        let portid = self.autobind();
        let privileged = crate::syscall::current::is_privileged(&crate::process::current_creds());
        let replies = stack::with_rtnl(|t| {
            if let Some(l) = t.link_mut(stack::ETH0_INDEX) {
                l.stats = stack::eth_stats();
            }
            let kinds: Vec<u16> = kernel_netlink::messages(msg.data).iter().map(|(h, _)| h.kind).collect();
            let changes = kinds.iter().any(|k| {
                matches!(
                    *k,
                    kernel_netlink::RTM_NEWLINK
                        | kernel_netlink::RTM_SETLINK
                        | kernel_netlink::RTM_DELLINK
                        | kernel_netlink::RTM_NEWADDR
                        | kernel_netlink::RTM_DELADDR
                        | kernel_netlink::RTM_NEWROUTE
                        | kernel_netlink::RTM_DELROUTE
                )
            });
            if changes && !privileged {
                // CAP_NET_ADMIN: EPERM in an NLMSG_ERROR, as Linux.
                let out = kernel_netlink::messages(msg.data)
                    .iter()
                    .map(|(h, _)| kernel_netlink::error_msg(h, 1, portid))
                    .collect();
                return (out, false);
            }
            t.handle(msg.data, portid)
        });
        // Pack the replies into datagrams.
        let mut dgrams: Vec<Vec<u8>> = Vec::new();
        for m in replies {
            match dgrams.last_mut() {
                Some(d) if d.len() + m.len() <= DATAGRAM => d.extend_from_slice(&m),
                _ => dgrams.push(m),
            }
        }
        let bytes: usize = dgrams.iter().map(Vec::len).sum();
        let mut q = self.queue.lock();
        if q.1 + bytes > QUEUE_CAP || stack::reserve(bytes).is_err() {
            return Err(Errno::ENOBUFS);
        }
        q.1 += bytes;
        q.0.extend(dgrams);
        drop(q);
        crate::process::sched::notify();
        Ok(msg.data.len())
    }

    fn recvmsg(&self, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
        let nonblock = nonblock || flags.contains(MsgFlags::DONTWAIT);
        let peek = flags.contains(MsgFlags::PEEK);
        let d = block_on(&self.common, Dir::Recv, nonblock, || {
            let mut q = self.queue.lock();
            if peek {
                return q.0.front().cloned().map(Ok);
            }
            let d = q.0.pop_front()?;
            q.1 -= d.len();
            stack::release(d.len());
            Some(Ok(d))
        })?;
        let n = d.len().min(out.len());
        out[..n].copy_from_slice(&d[..n]);
        let f = if d.len() > n { MsgFlags::TRUNC } else { MsgFlags::empty() };
        Ok(Received { copied: n, len: d.len(), addr: Some(sockaddr_nl(0, 0)), flags: f, ..Default::default() })
    }

    fn shutdown(&self, _how: Shutdown) -> Result<(), Errno> {
        Ok(())
    }

    fn sockname(&self) -> Result<Vec<u8>, Errno> {
        Ok(sockaddr_nl(self.portid.load(Ordering::SeqCst), self.groups.load(Ordering::SeqCst)))
    }

    fn peername(&self) -> Result<Vec<u8>, Errno> {
        Ok(sockaddr_nl(0, 0))
    }

    fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        // SOL_NETLINK (270) options (NETLINK_ADD_MEMBERSHIP, EXT_ACK, ...):
        // not implemented.
        if level == 270 {
            return Err(Errno::ENOPROTOOPT);
        }
        super::options::set(&self.common, level, name, val)
    }

    fn poll(&self) -> u16 {
        (if self.queue.lock().0.is_empty() { 0 } else { POLLIN }) | POLLOUT
    }

    fn ioctl(&self, cmd: u32, arg: u64) -> Result<usize, Errno> {
        super::ifconf::ioctl(cmd, arg)
    }

    fn release(&self) {
        let mut q = self.queue.lock();
        stack::release(q.1);
        q.0.clear();
        q.1 = 0;
        let p = self.portid.load(Ordering::SeqCst);
        PIDS_USED.lock().retain(|&x| x != p);
    }
}
