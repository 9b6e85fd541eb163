//! AF_UNIX: SOCK_STREAM, SOCK_SEQPACKET (connections: `stream.rs`) and
//! SOCK_DGRAM (`dgram.rs`) over path, abstract and unnamed addresses
//! (`name.rs`), with SCM_RIGHTS, SCM_CREDENTIALS and SO_PEERCRED, as
//! net/unix/af_unix.c behaves. Every socket receives into one queue
//! charged to the global socket budget; a writer is held to its own
//! SO_SNDBUF of data waiting in its peer's queue.
//!
//! Locking: a socket's state lock is never held while another socket's
//! is taken (a datagram socket may be connected to itself): the peer is
//! cloned out first.

mod dgram;
mod inflight;
mod name;
mod stream;

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use kernel_abi::Errno;
use kernel_socket::addr::UnixAddr;
use kernel_socket::cmsg::Ucred;
use kernel_socket::queue::{self, Queue};
use kernel_socket::*;
use spin::Mutex;

use super::{Common, Family, MsgFlags, Received, SendArgs, Shutdown, Socket, BUDGET};
use super::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRBAND, POLLWRNORM};
use crate::fs::file::OpenFile;
use crate::process::sched;

/// Every AF_UNIX socket (the collector walks their queues).
static ALL: Mutex<Vec<alloc::sync::Weak<UnixSocket>>> = Mutex::new(Vec::new());

fn all_sockets() -> Vec<Arc<UnixSocket>> {
    ALL.lock().iter().filter_map(|w| w.upgrade()).collect()
}

pub static FAMILY: Family = Family { family: AF_UNIX, create, pair: Some(pair) };

/// net.unix.max_dgram_qlen: a datagram receiver holds this many messages
/// (one more, as Linux counts) before senders wait.
const MAX_DGRAM_QLEN: usize = 10;
const SIOCINQ: u32 = 0x541b;
const SIOCOUTQ: u32 = 0x5411;

/// What travels with queued bytes.
pub struct Meta {
    /// The sender's name when it sent (datagrams' source address).
    from: Option<UnixAddr>,
    creds: Ucred,
    rights: Vec<Arc<OpenFile>>,
}

impl queue::Meta for Meta {
    fn deliver(&mut self, peek: bool) -> Meta {
        let rights = if peek {
            self.rights.clone()
        } else {
            inflight::give_back(self.rights.len());
            core::mem::take(&mut self.rights)
        };
        Meta { from: self.from.clone(), creds: self.creds, rights }
    }

    fn absorb(&mut self, next: Meta) {
        self.rights.extend(next.rights);
    }
}

enum Conn {
    None,
    Listening {
        backlog: usize,
        pending: VecDeque<Arc<UnixSocket>>,
    },
    /// A stream or seqpacket peer, or a datagram socket's default destination.
    Peer(Arc<UnixSocket>),
}

struct State {
    addr: Option<UnixAddr>,
    key: Option<name::Key>,
    conn: Conn,
    rx: Queue<Meta>,
    /// RCV_SHUTDOWN / SEND_SHUTDOWN.
    shut_rd: bool,
    shut_wr: bool,
    /// SO_PEERCRED.
    peer_cred: Option<Ucred>,
}

pub struct UnixSocket {
    this: alloc::sync::Weak<UnixSocket>,
    common: Common,
    state: Mutex<State>,
    released: AtomicBool,
}

fn create(ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    Ok(UnixSocket::new(ty, protocol)?)
}

fn pair(ty: i32, protocol: i32) -> Result<(Arc<dyn Socket>, Arc<dyn Socket>), Errno> {
    let a = UnixSocket::new(ty, protocol)?;
    let b = UnixSocket::new(ty, protocol)?;
    let cred = super::own_ucred();
    for (s, peer) in [(&a, &b), (&b, &a)] {
        let mut st = s.state.lock();
        st.conn = Conn::Peer(peer.clone());
        st.peer_cred = Some(cred);
    }
    Ok((a, b))
}

impl UnixSocket {
    /// SOCK_RAW is SOCK_DGRAM here, as in Linux; protocol 0 or PF_UNIX.
    fn new(ty: i32, protocol: i32) -> Result<Arc<UnixSocket>, Errno> {
        let ty = match ty {
            SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET => ty,
            SOCK_RAW => SOCK_DGRAM,
            _ => return Err(Errno::ESOCKTNOSUPPORT),
        };
        if protocol != 0 && protocol != AF_UNIX {
            return Err(Errno::EPROTONOSUPPORT);
        }
        let sock = Arc::new_cyclic(|this| UnixSocket {
            this: this.clone(),
            common: Common::new(AF_UNIX, ty, 0),
            state: Mutex::new(State {
                addr: None,
                key: None,
                conn: Conn::None,
                rx: Queue::new(&BUDGET),
                shut_rd: false,
                shut_wr: false,
                peer_cred: None,
            }),
            released: AtomicBool::new(false),
        });
        let mut all = ALL.lock();
        all.retain(|w| w.strong_count() > 0);
        all.push(Arc::downgrade(&sock));
        Ok(sock)
    }

    fn is_released(&self) -> bool {
        self.released.load(Ordering::SeqCst)
    }

    fn connection_oriented(&self) -> bool {
        self.common.ty != SOCK_DGRAM
    }

    fn peer(&self) -> Option<Arc<UnixSocket>> {
        match &self.state.lock().conn {
            Conn::Peer(p) => Some(p.clone()),
            _ => None,
        }
    }

    /// `Arc<Self>` from `&self`: sockets live in `Arc`s, and a socket
    /// reached through a `&dyn Socket` is one of them.
    fn this(&self) -> Result<Arc<UnixSocket>, Errno> {
        self.this.upgrade().ok_or(Errno::EBADF)
    }

    fn bound(&self) -> bool {
        self.state.lock().addr.is_some()
    }

    /// Autobind before a send or connect when SO_PASSCRED is on and the
    /// socket has no name (so the receiver can see who sent).
    fn maybe_autobind(self: &Arc<Self>) -> Result<(), Errno> {
        if self.common.opts.lock().passcred && !self.bound() {
            self.bind_unix(UnixAddr::Unnamed)?;
        }
        Ok(())
    }

    fn bind_unix(self: &Arc<Self>, addr: UnixAddr) -> Result<(), Errno> {
        if self.bound() {
            return match addr {
                // Autobind of a bound socket does nothing, as Linux's.
                UnixAddr::Unnamed => Ok(()),
                // Linux makes the file first: a name that exists is
                // EADDRINUSE even for a bound socket.
                UnixAddr::Path(p) if name::exists(&p) => Err(Errno::EADDRINUSE),
                _ => Err(Errno::EINVAL),
            };
        }
        let (addr, key) = match addr {
            UnixAddr::Unnamed => name::autobind(self)?,
            UnixAddr::Abstract(n) => {
                let key = name::bind_abstract(self, n.clone())?;
                (UnixAddr::Abstract(n), key)
            }
            UnixAddr::Path(p) => {
                let key = name::bind_path(self, &p)?;
                (UnixAddr::Path(p), key)
            }
        };
        let mut st = self.state.lock();
        st.addr = Some(addr);
        st.key = Some(key);
        Ok(())
    }

    fn creds_for_send(&self, explicit: Option<Ucred>) -> Result<Ucred, Errno> {
        let own = super::own_ucred();
        let Some(c) = explicit else { return Ok(own) };
        // Linux's scm_check_creds: one's own pid and ids, unless privileged.
        let creds = crate::process::current_creds();
        let privileged = crate::syscall::current::is_privileged(&creds);
        let uid_ok = privileged || [creds.uid, creds.euid, creds.suid].contains(&c.uid);
        let gid_ok = privileged || [creds.gid, creds.egid, creds.sgid].contains(&c.gid);
        if (c.pid != own.pid && !privileged) || !uid_ok || !gid_ok {
            return Err(Errno::EPERM);
        }
        Ok(c)
    }

    fn received(&self, meta: Meta, copied: usize, len: usize) -> Received {
        let passcred = self.common.opts.lock().passcred;
        Received {
            copied,
            len,
            addr: meta.from.map(|a| a.encode()),
            rights: meta.rights,
            creds: passcred.then_some(meta.creds),
            ..Default::default()
        }
    }
}

impl Socket for UnixSocket {
    fn common(&self) -> &Common {
        &self.common
    }

    fn bind(&self, addr: &[u8]) -> Result<(), Errno> {
        let addr = UnixAddr::parse(addr)?;
        self.this()?.bind_unix(addr)
    }

    fn listen(&self, backlog: i32) -> Result<(), Errno> {
        if !self.connection_oriented() {
            return Err(Errno::EOPNOTSUPP);
        }
        let backlog = if backlog as u32 > SOMAXCONN as u32 { SOMAXCONN } else { backlog } as usize;
        let mut st = self.state.lock();
        if st.addr.is_none() {
            return Err(Errno::EINVAL);
        }
        match &mut st.conn {
            Conn::Peer(_) => return Err(Errno::EINVAL),
            Conn::Listening { backlog: b, .. } => *b = backlog,
            Conn::None => st.conn = Conn::Listening { backlog, pending: VecDeque::new() },
        }
        st.peer_cred = Some(super::own_ucred());
        sched::notify();
        Ok(())
    }

    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn Socket>, Vec<u8>), Errno> {
        stream::accept(self, nonblock)
    }

    fn connect(&self, addr: &[u8], nonblock: bool) -> Result<(), Errno> {
        let this = self.this()?;
        if self.connection_oriented() {
            stream::connect(&this, addr, nonblock)
        } else {
            dgram::connect(&this, addr)
        }
    }

    fn sendmsg(&self, msg: SendArgs) -> Result<usize, Errno> {
        if msg.flags.contains(MsgFlags::OOB) {
            return Err(Errno::EOPNOTSUPP);
        }
        let this = self.this()?;
        match self.common.ty {
            SOCK_STREAM => stream::send_stream(&this, msg),
            SOCK_SEQPACKET => stream::send_seqpacket(&this, msg),
            _ => dgram::send(&this, msg),
        }
    }

    fn recvmsg(&self, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
        if flags.contains(MsgFlags::OOB) {
            return Err(Errno::EOPNOTSUPP);
        }
        match self.common.ty {
            SOCK_STREAM => stream::recv_stream(self, out, flags, nonblock),
            SOCK_SEQPACKET => stream::recv_seqpacket(self, out, flags, nonblock),
            _ => dgram::recv(self, out, flags, nonblock),
        }
    }

    /// Sets this side's shutdown and, on a connection, the mirror image on
    /// the peer; an unconnected socket just records it (Linux returns 0).
    fn shutdown(&self, how: Shutdown) -> Result<(), Errno> {
        {
            let mut st = self.state.lock();
            st.shut_rd |= how.read;
            st.shut_wr |= how.write;
        }
        if self.connection_oriented() {
            if let Some(peer) = self.peer() {
                let mut p = peer.state.lock();
                p.shut_wr |= how.read;
                p.shut_rd |= how.write;
            }
        }
        sched::notify();
        Ok(())
    }

    fn sockname(&self) -> Result<Vec<u8>, Errno> {
        Ok(self.state.lock().addr.clone().unwrap_or(UnixAddr::Unnamed).encode())
    }

    fn peername(&self) -> Result<Vec<u8>, Errno> {
        let peer = self.peer().ok_or(Errno::ENOTCONN)?;
        let addr = peer.state.lock().addr.clone();
        Ok(addr.unwrap_or(UnixAddr::Unnamed).encode())
    }

    /// AF_UNIX has no option levels of its own: other levels are
    /// EOPNOTSUPP, as Linux's unix sockets (no `setsockopt` operation).
    fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        super::options::set(&self.common, level, name, val)
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        if level != SOL_SOCKET {
            return Err(Errno::EOPNOTSUPP);
        }
        super::options::get(self, level, name)
    }

    fn peercred(&self) -> Option<Ucred> {
        self.state.lock().peer_cred
    }

    fn listening(&self) -> bool {
        matches!(self.state.lock().conn, Conn::Listening { .. })
    }

    /// Linux's unix_poll (connections) and unix_dgram_poll.
    fn poll(&self) -> u16 {
        let mut mask = 0;
        if self.common.error.lock().is_some() {
            mask |= POLLERR;
        }
        let peer = self.peer();
        let st = self.state.lock();
        if st.shut_rd && st.shut_wr {
            mask |= POLLHUP;
        }
        if st.shut_rd {
            mask |= POLLRDHUP | POLLIN | POLLRDNORM;
        }
        let listening = match &st.conn {
            Conn::Listening { pending, .. } => {
                if !pending.is_empty() {
                    mask |= POLLIN | POLLRDNORM;
                }
                true
            }
            _ => false,
        };
        if !st.rx.is_empty() {
            mask |= POLLIN | POLLRDNORM;
        }
        if self.connection_oriented() && matches!(st.conn, Conn::None) {
            mask |= POLLHUP;
        }
        drop(st);
        if listening {
            return mask;
        }
        let sndbuf = self.common.opts.lock().sndbuf;
        let writable = match &peer {
            // Room in the peer's queue for this writer's buffer.
            Some(p) if !core::ptr::eq(Arc::as_ptr(p), self) => {
                let ps = p.state.lock();
                let full = if self.connection_oriented() {
                    ps.rx.charged() >= sndbuf
                } else {
                    ps.rx.messages() > MAX_DGRAM_QLEN || ps.rx.charged() >= sndbuf
                };
                !full
            }
            _ => true,
        };
        if writable {
            mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
        }
        mask
    }

    fn ioctl(&self, cmd: u32, arg: u64) -> Result<usize, Errno> {
        let value = match cmd {
            SIOCINQ => {
                let st = self.state.lock();
                if matches!(st.conn, Conn::Listening { .. }) {
                    return Err(Errno::EINVAL);
                }
                if self.connection_oriented() {
                    st.rx.unread()
                } else {
                    st.rx.front_len().unwrap_or(0)
                }
            }
            SIOCOUTQ => match self.peer() {
                Some(p) if self.connection_oriented() => p.state.lock().rx.unread(),
                _ => 0,
            },
            _ => return Err(Errno::ENOTTY),
        };
        crate::mm::usercopy::UserPtr::<i32>::new(arg).write(&(value as i32))?;
        Ok(0)
    }

    /// The last close: the name goes, a peer sees end of file (and
    /// ECONNRESET when this side had unread data), connections never
    /// accepted are reset, queued descriptors are closed.
    fn release(&self) {
        self.released.store(true, Ordering::SeqCst);
        let (key, conn, metas, unread) = {
            let mut st = self.state.lock();
            let unread = !st.rx.is_empty();
            st.shut_rd = true;
            st.shut_wr = true;
            (st.key.take(), core::mem::replace(&mut st.conn, Conn::None), st.rx.drain_meta(), unread)
        };
        if let Some(key) = key {
            name::unbind(&key, self);
        }
        match conn {
            Conn::Peer(peer) if self.connection_oriented() => {
                {
                    let mut p = peer.state.lock();
                    p.shut_rd = true;
                    p.shut_wr = true;
                }
                if unread {
                    peer.common.set_error(Errno::ECONNRESET);
                }
            }
            Conn::Listening { pending, .. } => {
                for embryo in pending {
                    // Never accepted: its connector is reset.
                    if let Some(p) = embryo.peer() {
                        p.common.set_error(Errno::ECONNRESET);
                    }
                    embryo.release();
                }
            }
            _ => {}
        }
        inflight::dispose(metas);
        inflight::collect();
        sched::notify();
    }
}
