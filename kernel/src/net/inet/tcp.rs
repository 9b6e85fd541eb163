//! AF_INET SOCK_STREAM over smoltcp TCP. A listening socket owns a listen
//! queue in the stack (several smoltcp sockets in LISTEN, the backlog of
//! established ones); an accepted or connecting socket owns one smoltcp
//! socket, handed to the stack to finish closing when the last descriptor
//! goes. Buffers: at most 64 KiB to receive and 32 KiB to send per
//! connection (SO_RCVBUF / SO_SNDBUF lower them), charged to the socket memory budget (ENOBUFS).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp;
use smoltcp::time::Duration;
use smoltcp::wire::{IpEndpoint, IpListenEndpoint};
use spin::Mutex;

use super::*;
use crate::net::stack::{self, Stack};
use crate::net::{block_on, sigpipe, Common, Dir, MsgFlags, Received, SendArgs, Shutdown, Socket};
use crate::net::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP};

pub const TCP_NODELAY: i32 = 1;
pub const TCP_MAXSEG: i32 = 2;
pub const TCP_KEEPIDLE: i32 = 4;
pub const TCP_KEEPINTVL: i32 = 5;
pub const TCP_KEEPCNT: i32 = 6;

/// A connection's receive buffer at most (its window: what a download
/// can have in flight); the send buffer is smaller, 32 KiB at most.
const MAX_RCVBUF: usize = 64 << 10;
const MAX_SNDBUF: usize = 32 << 10;
/// How long a SYN goes unanswered before connect gives up (ETIMEDOUT).
const CONNECT_TIMEOUT_S: u64 = 60;

#[derive(Default)]
struct St {
    /// bind(2)'s endpoint (or the one connect/listen picked).
    local: Option<IpListenEndpoint>,
    /// The port is counted as bound in the stack.
    holds_port: bool,
    handle: Option<SocketHandle>,
    listening: Option<u16>,
    /// A connect is in progress (SYN sent, no answer yet).
    connecting: bool,
    connect_started: u64,
    connected: bool,
    shut_rd: bool,
    shut_wr: bool,
    nodelay: bool,
    device: Option<String>,
    ttl: Option<u8>,
}

pub struct TcpSocket {
    common: Common,
    st: Mutex<St>,
}

impl TcpSocket {
    pub fn new() -> Arc<dyn Socket> {
        Arc::new(TcpSocket { common: Common::new(AF_INET, SOCK_STREAM, IPPROTO_TCP), st: Mutex::new(St::default()) })
    }

    /// The stack with this socket's smoltcp socket.
    fn with_sock<R>(h: SocketHandle, f: impl FnOnce(&mut tcp::Socket<'static>) -> R) -> Result<R, Errno> {
        stack::with(|s| f(s.sockets.get_mut::<tcp::Socket>(h)))
    }

    /// A connect in progress that ended: established, or refused/timed
    /// out (the error goes to SO_ERROR).
    fn refresh(&self) {
        let mut st = self.st.lock();
        let (Some(h), true) = (st.handle, st.connecting) else { return };
        let Ok(state) = Self::with_sock(h, |s| s.state()) else { return };
        match state {
            tcp::State::SynSent | tcp::State::SynReceived => {}
            tcp::State::Closed => {
                st.connecting = false;
                let waited = crate::arch::timer::now_ns().saturating_sub(st.connect_started);
                let e =
                    if waited >= CONNECT_TIMEOUT_S * 1_000_000_000 { Errno::ETIMEDOUT } else { Errno::ECONNREFUSED };
                st.handle = None;
                let _ = stack::with(|s| s.remove(h));
                self.common.set_error(e);
            }
            _ => {
                st.connecting = false;
                st.connected = true;
                let _ = Self::with_sock(h, |s| s.set_timeout(None));
            }
        }
    }

    fn buffers(&self) -> (usize, usize) {
        let o = self.common.opts.lock();
        (o.rcvbuf.clamp(4096, MAX_RCVBUF), o.sndbuf.clamp(4096, MAX_SNDBUF))
    }

    /// Binds (or auto-binds) the local endpoint; EADDRINUSE when another
    /// socket has the port (SO_REUSEADDR allows it unless it listens).
    fn bind_to(&self, st: &mut St, addr: [u8; 4], port: u16) -> Result<(), Errno> {
        let reuse = self.common.opts.lock().reuseaddr;
        let port = stack::with(|s| -> Result<u16, Errno> {
            let port = if port == 0 { s.ephemeral_port(|s, p| s.tcp_port_used(p) || s.tcp_bound(p))? } else { port };
            if s.listens.contains_key(&port) || (s.tcp_bound(port) && !reuse) || (!reuse && s.tcp_port_used(port)) {
                return Err(Errno::EADDRINUSE);
            }
            s.tcp_bind(port);
            Ok(port)
        })??;
        st.holds_port = true;
        st.local = Some(IpListenEndpoint { addr: (addr != [0; 4]).then(|| ip(addr)), port });
        Ok(())
    }

    fn unbind(st: &mut St) {
        if st.holds_port {
            if let Some(l) = st.local {
                let _ = stack::with(|s| s.tcp_unbind(l.port));
            }
            st.holds_port = false;
        }
    }

    /// An accepted connection.
    fn accepted(h: SocketHandle, local: IpListenEndpoint, nodelay: bool) -> Arc<TcpSocket> {
        let _ = Self::with_sock(h, |s| s.set_nagle_enabled(!nodelay));
        let st = St { local: Some(local), handle: Some(h), connected: true, nodelay, ..Default::default() };
        Arc::new(TcpSocket { common: Common::new(AF_INET, SOCK_STREAM, IPPROTO_TCP), st: Mutex::new(st) })
    }

    fn send_all(&self, h: SocketHandle, data: &[u8], flags: MsgFlags, nonblock: bool) -> Result<usize, Errno> {
        let mut done = 0;
        while done < data.len() || data.is_empty() {
            let r = block_on(&self.common, Dir::Send, nonblock, || {
                let r = Self::with_sock(h, |s| {
                    if !s.may_send() {
                        Some(Err(if s.state() == tcp::State::Closed { Errno::ECONNRESET } else { Errno::EPIPE }))
                    } else if data.is_empty() {
                        Some(Ok(0))
                    } else if s.can_send() {
                        Some(s.send_slice(&data[done..]).map_err(|_| Errno::EPIPE))
                    } else {
                        None
                    }
                });
                r.unwrap_or(Some(Err(Errno::ENETDOWN)))
            });
            match r {
                Ok(n) => {
                    done += n;
                    stack::poll();
                    if data.is_empty() {
                        break;
                    }
                }
                Err(e) if done > 0 && matches!(e, Errno::EAGAIN | Errno::EINTR) => break,
                Err(Errno::EPIPE) => {
                    sigpipe(flags);
                    return Err(Errno::EPIPE);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

impl Stack {
    pub fn tcp_bound(&self, port: u16) -> bool {
        self.tcp_binds.get(&port).is_some_and(|&n| n > 0)
    }

    pub fn tcp_bind(&mut self, port: u16) {
        *self.tcp_binds.entry(port).or_insert(0) += 1;
    }

    pub fn tcp_unbind(&mut self, port: u16) {
        if let Some(n) = self.tcp_binds.get_mut(&port) {
            *n -= 1;
            if *n == 0 {
                self.tcp_binds.remove(&port);
            }
        }
    }
}

impl Socket for TcpSocket {
    fn common(&self) -> &Common {
        &self.common
    }

    fn bind(&self, addr: &[u8]) -> Result<(), Errno> {
        let (a, port) = parse_addr(addr)?;
        let mut st = self.st.lock();
        if st.local.is_some() || st.handle.is_some() || st.listening.is_some() {
            return Err(Errno::EINVAL);
        }
        if !local_ok(a) || a == [255; 4] {
            return Err(Errno::EADDRNOTAVAIL);
        }
        self.bind_to(&mut st, a, port)
    }

    fn listen(&self, backlog: i32) -> Result<(), Errno> {
        let mut st = self.st.lock();
        if st.handle.is_some() {
            return Err(Errno::EINVAL);
        }
        if st.local.is_none() {
            self.bind_to(&mut st, [0; 4], 0)?;
        }
        let local = st.local.expect("bound");
        let backlog = backlog.clamp(1, SOMAXCONN) as usize;
        stack::with(|s| s.listen(local, backlog))??;
        st.listening = Some(local.port);
        Ok(())
    }

    fn listening(&self) -> bool {
        self.st.lock().listening.is_some()
    }

    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn Socket>, Vec<u8>), Errno> {
        let (port, local, nodelay) = {
            let st = self.st.lock();
            (st.listening.ok_or(Errno::EINVAL)?, st.local.expect("listening means bound"), st.nodelay)
        };
        let h = block_on(&self.common, Dir::Recv, nonblock, || {
            stack::with(|s| match s.listens.get_mut(&port) {
                Some(q) => q.ready.pop_front().map(Ok),
                None => Some(Err(Errno::EINVAL)),
            })
            .unwrap_or(Some(Err(Errno::ENETDOWN)))
        })?;
        let peer = Self::with_sock(h, |s| s.remote_endpoint())?;
        stack::poll();
        let sock = Self::accepted(h, local, nodelay);
        Ok((sock, peer.map_or_else(|| sockaddr([0; 4], 0), endpoint_addr)))
    }

    fn connect(&self, addr: &[u8], nonblock: bool) -> Result<(), Errno> {
        self.refresh();
        let remote = {
            let mut st = self.st.lock();
            if st.listening.is_some() {
                return Err(Errno::EISCONN);
            }
            if st.connected {
                return Err(Errno::EISCONN);
            }
            if st.connecting {
                if nonblock {
                    return Err(Errno::EALREADY);
                }
                None
            } else {
                if family_of(addr) == Some(AF_UNSPEC) {
                    return Ok(());
                }
                let (a, port) = parse_addr(addr)?;
                if port == 0 || a == [0; 4] && false {
                    return Err(Errno::ECONNREFUSED);
                }
                if is_broadcast(a) {
                    return Err(Errno::ENETUNREACH);
                }
                if st.local.is_none() {
                    self.bind_to(&mut st, [0; 4], 0)?;
                }
                let mut local = st.local.expect("bound");
                if a[0] == 127 && local.addr.is_none() {
                    // lo: the source is 127.0.0.1, as Linux picks.
                    local.addr = Some(ip([127, 0, 0, 1]));
                }
                let (rx, tx) = self.buffers();
                let nodelay = st.nodelay;
                let ttl = st.ttl;
                let keepalive = self.common.opts.lock().keepalive;
                let h = stack::with(|s| -> Result<SocketHandle, Errno> {
                    let h = s.new_tcp(rx, tx)?;
                    let remote = IpEndpoint::new(ip(a), port);
                    let cx = s.iface.context();
                    let sock = s.sockets.get_mut::<tcp::Socket>(h);
                    sock.set_nagle_enabled(!nodelay);
                    sock.set_hop_limit(ttl);
                    sock.set_timeout(Some(Duration::from_secs(CONNECT_TIMEOUT_S)));
                    if keepalive {
                        sock.set_keep_alive(Some(Duration::from_secs(75)));
                    }
                    match sock.connect(cx, remote, local) {
                        Ok(()) => Ok(h),
                        Err(e) => {
                            s.remove(h);
                            Err(match e {
                                tcp::ConnectError::Unaddressable => Errno::ENETUNREACH,
                                tcp::ConnectError::InvalidState => Errno::EISCONN,
                            })
                        }
                    }
                })??;
                st.handle = Some(h);
                st.connecting = true;
                st.connect_started = crate::arch::timer::now_ns();
                Some(h)
            }
        };
        stack::poll();
        if nonblock && remote.is_some() {
            return Err(Errno::EINPROGRESS);
        }
        block_on(&self.common, Dir::Send, false, || {
            self.refresh();
            let st = self.st.lock();
            if st.connected {
                Some(Ok(()))
            } else if !st.connecting {
                Some(Err(self.common.take_error().unwrap_or(Errno::ECONNREFUSED)))
            } else {
                None
            }
        })
    }

    fn sendmsg(&self, msg: SendArgs) -> Result<usize, Errno> {
        self.refresh();
        let (h, shut_wr) = {
            let st = self.st.lock();
            (st.handle.filter(|_| st.connected), st.shut_wr)
        };
        if shut_wr {
            sigpipe(msg.flags);
            return Err(Errno::EPIPE);
        }
        let Some(h) = h else {
            if self.st.lock().connecting {
                return Err(Errno::EAGAIN);
            }
            // Linux's tcp_sendmsg: EPIPE on a socket never connected too.
            sigpipe(msg.flags);
            return Err(Errno::EPIPE);
        };
        if msg.flags.contains(MsgFlags::OOB) {
            return Err(Errno::EOPNOTSUPP);
        }
        let nonblock = msg.nonblock || msg.flags.contains(MsgFlags::DONTWAIT);
        self.send_all(h, msg.data, msg.flags, nonblock)
    }

    fn recvmsg(&self, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
        self.refresh();
        let (h, shut_rd) = {
            let st = self.st.lock();
            (st.handle.filter(|_| st.connected), st.shut_rd)
        };
        let Some(h) = h else { return Err(Errno::ENOTCONN) };
        if flags.contains(MsgFlags::OOB) {
            return Err(Errno::EINVAL);
        }
        if shut_rd {
            return Ok(Received::default());
        }
        let nonblock = nonblock || flags.contains(MsgFlags::DONTWAIT);
        let peek = flags.contains(MsgFlags::PEEK);
        let waitall = flags.contains(MsgFlags::WAITALL) && !peek;
        let mut copied = 0;
        loop {
            let r = block_on(&self.common, Dir::Recv, nonblock, || {
                Self::with_sock(h, |s| {
                    if s.can_recv() {
                        let r = if peek { s.peek_slice(&mut out[copied..]) } else { s.recv_slice(&mut out[copied..]) };
                        Some(r.map_err(|_| Errno::ENOTCONN))
                    } else if !s.may_recv() {
                        Some(Ok(0))
                    } else {
                        None
                    }
                })
                .unwrap_or(Some(Err(Errno::ENETDOWN)))
            });
            match r {
                Ok(n) => {
                    copied += n;
                    if n > 0 && !peek {
                        // The window opened: tell the peer now.
                        stack::poll();
                    }
                    if n == 0 || !waitall || copied == out.len() {
                        break;
                    }
                }
                Err(e) if copied > 0 && matches!(e, Errno::EAGAIN | Errno::EINTR) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(Received { copied, len: copied, ..Default::default() })
    }

    fn shutdown(&self, how: Shutdown) -> Result<(), Errno> {
        self.refresh();
        let mut st = self.st.lock();
        if let Some(port) = st.listening.filter(|_| how.read) {
            let _ = stack::with(|s| s.unlisten(port));
            st.listening = None;
            return Ok(());
        }
        let Some(h) = st.handle.filter(|_| st.connected || st.connecting) else { return Err(Errno::ENOTCONN) };
        if how.read {
            st.shut_rd = true;
        }
        if how.write && !st.shut_wr {
            st.shut_wr = true;
            Self::with_sock(h, |s| s.close())?;
        }
        drop(st);
        stack::poll();
        Ok(())
    }

    fn sockname(&self) -> Result<Vec<u8>, Errno> {
        let st = self.st.lock();
        if let Some(h) = st.handle {
            if let Ok(Some(e)) = Self::with_sock(h, |s| s.local_endpoint()) {
                return Ok(endpoint_addr(e));
            }
        }
        Ok(st.local.map_or_else(|| sockaddr([0; 4], 0), listen_addr))
    }

    fn peername(&self) -> Result<Vec<u8>, Errno> {
        self.refresh();
        let st = self.st.lock();
        let h = st.handle.filter(|_| st.connected).ok_or(Errno::ENOTCONN)?;
        Self::with_sock(h, |s| s.remote_endpoint())?.map(endpoint_addr).ok_or(Errno::ENOTCONN)
    }

    fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        let mut st = self.st.lock();
        match (level, name) {
            (IPPROTO_TCP, TCP_NODELAY) => {
                st.nodelay = int_opt(val)? != 0;
                if let Some(h) = st.handle {
                    let on = st.nodelay;
                    Self::with_sock(h, |s| s.set_nagle_enabled(!on))?;
                }
                Ok(())
            }
            (IPPROTO_TCP, TCP_MAXSEG | TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT) => Err(Errno::ENOPROTOOPT),
            (IPPROTO_TCP, _) => Err(Errno::ENOPROTOOPT),
            (SOL_IP, IP_TTL) => {
                st.ttl = ttl_opt(val)?;
                if let Some(h) = st.handle {
                    let t = st.ttl;
                    Self::with_sock(h, |s| s.set_hop_limit(t))?;
                }
                Ok(())
            }
            (SOL_IP, _) => Err(Errno::ENOPROTOOPT),
            (SOL_SOCKET, SO_BINDTODEVICE) => {
                st.device = bind_device(val)?;
                Ok(())
            }
            (SOL_SOCKET, SO_KEEPALIVE) => {
                let on = int_opt(val)? != 0;
                if let Some(h) = st.handle {
                    Self::with_sock(h, |s| s.set_keep_alive(on.then(|| Duration::from_secs(75))))?;
                }
                drop(st);
                crate::net::options::set(&self.common, level, name, val)
            }
            _ => {
                drop(st);
                crate::net::options::set(&self.common, level, name, val)
            }
        }
    }

    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        self.refresh();
        let st = self.st.lock();
        match (level, name) {
            (IPPROTO_TCP, TCP_NODELAY) => Ok(int_bytes(st.nodelay as i32)),
            (IPPROTO_TCP, TCP_MAXSEG) => Ok(int_bytes(if st.connected { 1460 } else { 536 })),
            (IPPROTO_TCP, _) => Err(Errno::ENOPROTOOPT),
            (SOL_IP, IP_TTL) => Ok(int_bytes(st.ttl.map_or(64, i32::from))),
            (SOL_IP, _) => Err(Errno::ENOPROTOOPT),
            (SOL_SOCKET, SO_BINDTODEVICE) => Ok(bindtodevice_get(&st.device)),
            _ => {
                drop(st);
                crate::net::options::get(self, level, name)
            }
        }
    }

    fn poll(&self) -> u16 {
        self.refresh();
        let st = self.st.lock();
        let err = if self.common.error.lock().is_some() { POLLERR } else { 0 };
        if let Some(port) = st.listening {
            let ready = stack::with(|s| s.listens.get(&port).is_some_and(|q| !q.ready.is_empty())).unwrap_or(false);
            return if ready { POLLIN } else { 0 } | err;
        }
        let Some(h) = st.handle else {
            // Never connected: Linux reports POLLOUT | POLLHUP.
            return POLLOUT | POLLHUP | err;
        };
        if st.connecting {
            return err;
        }
        let shut_rd = st.shut_rd;
        let shut_wr = st.shut_wr;
        Self::with_sock(h, |s| {
            let mut ev = err;
            let eof = !s.may_recv();
            if s.can_recv() || eof || shut_rd {
                ev |= POLLIN;
            }
            if eof {
                ev |= POLLRDHUP;
            }
            if s.may_send() && s.can_send() || shut_wr {
                ev |= POLLOUT;
            }
            if matches!(s.state(), tcp::State::Closed | tcp::State::TimeWait) || (eof && shut_wr) {
                ev |= POLLHUP;
            }
            ev
        })
        .unwrap_or(POLLERR)
    }

    fn ioctl(&self, cmd: u32, arg: u64) -> Result<usize, Errno> {
        match cmd {
            crate::net::ifconf::FIONREAD | crate::net::ifconf::SIOCOUTQ => {
                let st = self.st.lock();
                if st.listening.is_some() {
                    return Err(Errno::EINVAL);
                }
                let n = match st.handle {
                    Some(h) => Self::with_sock(h, |s| {
                        if cmd == crate::net::ifconf::FIONREAD {
                            s.recv_queue()
                        } else {
                            s.send_queue()
                        }
                    })?,
                    None => 0,
                };
                crate::mm::usercopy::copy_to_user(arg, &(n as i32).to_le_bytes())?;
                Ok(0)
            }
            _ => crate::net::ifconf::ioctl(cmd, arg),
        }
    }

    fn release(&self) {
        let mut st = self.st.lock();
        if let Some(port) = st.listening.take() {
            let _ = stack::with(|s| s.unlisten(port));
        }
        if let Some(h) = st.handle.take() {
            let _ = stack::with(|s| {
                if st.connecting {
                    s.sockets.get_mut::<tcp::Socket>(h).abort();
                }
                s.close_tcp(h)
            });
        }
        Self::unbind(&mut st);
        drop(st);
        stack::poll();
    }
}
