//! Connections (SOCK_STREAM, SOCK_SEQPACKET): connect makes the server's
//! end at once and queues it on the listener (a backlog of `backlog + 1`
//! waiting connections, as Linux counts); accept takes it. Stream writes
//! are split into pieces a reader may take in part; seqpacket writes are
//! whole records.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_socket::addr::UnixAddr;
use kernel_socket::budget::MSG_OVERHEAD;

use super::{name, Conn, Meta, UnixSocket};
use crate::net::{block_on, sigpipe, Dir, MsgFlags, Received, SendArgs, Socket};
use crate::process::sched;

/// Largest piece one stream write queues at a time.
const PIECE: usize = 64 << 10;

pub fn connect(this: &Arc<UnixSocket>, raw: &[u8], nonblock: bool) -> Result<(), Errno> {
    let addr = UnixAddr::parse(raw)?;
    if addr == UnixAddr::Unnamed {
        return Err(Errno::EINVAL);
    }
    this.maybe_autobind()?;
    let other = name::lookup(&addr)?;
    if other.common.ty != this.common.ty {
        return Err(Errno::EPROTOTYPE);
    }
    let newsk = UnixSocket::new(this.common.ty, 0)?;
    block_on(&this.common, Dir::Send, nonblock, || {
        {
            let st = other.state.lock();
            match &st.conn {
                _ if other.is_released() || st.shut_rd => return Some(Err(Errno::ECONNREFUSED)),
                Conn::Listening { backlog, pending } if pending.len() > *backlog => return None,
                Conn::Listening { .. } => {}
                _ => return Some(Err(Errno::ECONNREFUSED)),
            }
        }
        match this.state.lock().conn {
            Conn::None => {}
            Conn::Peer(_) => return Some(Err(Errno::EISCONN)),
            Conn::Listening { .. } => return Some(Err(Errno::EINVAL)),
        }
        let (listener_addr, listener_cred) = {
            let st = other.state.lock();
            (st.addr.clone(), st.peer_cred)
        };
        {
            let mut n = newsk.state.lock();
            n.addr = listener_addr;
            n.conn = Conn::Peer(this.clone());
            n.peer_cred = Some(crate::net::own_ucred());
        }
        if let Conn::Listening { pending, .. } = &mut other.state.lock().conn {
            pending.push_back(newsk.clone());
        }
        let mut st = this.state.lock();
        st.conn = Conn::Peer(newsk.clone());
        st.peer_cred = listener_cred;
        Some(Ok(()))
    })?;
    sched::notify();
    Ok(())
}

pub fn accept(sock: &UnixSocket, nonblock: bool) -> Result<(Arc<dyn Socket>, Vec<u8>), Errno> {
    if !sock.connection_oriented() {
        return Err(Errno::EOPNOTSUPP);
    }
    let newsk = block_on(&sock.common, Dir::Recv, nonblock, || match &mut sock.state.lock().conn {
        Conn::Listening { pending, .. } => pending.pop_front().map(Ok),
        _ => Some(Err(Errno::EINVAL)),
    })?;
    // The flags accept copies from the listener (unix_sock_inherit_flags).
    {
        let lo = *sock.common.opts.lock();
        let mut no = newsk.common.opts.lock();
        no.passcred = lo.passcred;
        no.passsec = lo.passsec;
    }
    let peer_addr = match newsk.peer() {
        Some(p) => p.state.lock().addr.clone(),
        None => None,
    };
    sched::notify();
    Ok((newsk, peer_addr.unwrap_or(UnixAddr::Unnamed).encode()))
}

/// The connected peer (ENOTCONN without one); EISCONN/EOPNOTSUPP for a
/// destination address on a stream, as Linux.
fn stream_peer(this: &UnixSocket, msg: &SendArgs) -> Result<Arc<UnixSocket>, Errno> {
    let peer = this.peer();
    if msg.addr.is_some_and(|a| !a.is_empty()) {
        return Err(if peer.is_some() { Errno::EISCONN } else { Errno::EOPNOTSUPP });
    }
    peer.ok_or(Errno::ENOTCONN)
}

pub fn send_stream(this: &Arc<UnixSocket>, msg: SendArgs) -> Result<usize, Errno> {
    let peer = stream_peer(this, &msg)?;
    if this.state.lock().shut_wr {
        sigpipe(msg.flags);
        return Err(Errno::EPIPE);
    }
    let creds = this.creds_for_send(msg.control.creds)?;
    let from = this.state.lock().addr.clone();
    super::inflight::take(msg.control.rights.len())?;
    let mut rights = Some(msg.control.rights);
    let data = msg.data;
    let nonblock = msg.nonblock || msg.flags.contains(MsgFlags::DONTWAIT);
    let mut sent = 0;
    while sent < data.len() {
        let step = block_on(&this.common, Dir::Send, nonblock, || {
            if peer.is_released() {
                return Some(Err(Errno::EPIPE));
            }
            let sndbuf = this.common.opts.lock().sndbuf;
            let mut p = peer.state.lock();
            if p.shut_rd {
                return Some(Err(Errno::EPIPE));
            }
            if p.rx.charged() >= sndbuf {
                return None;
            }
            let piece = (data.len() - sent).min((sndbuf / 2).saturating_sub(MSG_OVERHEAD).max(512)).min(PIECE);
            let mut bytes = Vec::new();
            if bytes.try_reserve_exact(piece).is_err() {
                return None;
            }
            bytes.extend_from_slice(&data[sent..sent + piece]);
            let meta = Meta { from: from.clone(), creds, rights: rights.take().unwrap_or_default() };
            match p.rx.push(bytes, meta) {
                Ok(()) => Some(Ok(piece)),
                Err(meta) => {
                    // The global budget is spent: wait as for a full buffer.
                    rights = Some(meta.rights);
                    None
                }
            }
        });
        match step {
            Ok(n) => {
                sent += n;
                sched::notify();
            }
            Err(_) if sent > 0 => break,
            Err(e) => {
                if let Some(r) = &rights {
                    super::inflight::give_back(r.len());
                }
                if e == Errno::EPIPE {
                    sigpipe(msg.flags);
                }
                return Err(e);
            }
        }
    }
    if let Some(r) = &rights {
        super::inflight::give_back(r.len());
    }
    Ok(sent)
}

pub fn recv_stream(sock: &UnixSocket, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
    if !matches!(sock.state.lock().conn, Conn::Peer(_)) {
        return Err(Errno::EINVAL);
    }
    // A zero-length read still waits for data (Linux's target is at
    // least one byte), then takes nothing.
    let peek = flags.contains(MsgFlags::PEEK) || out.is_empty();
    let waitall = flags.contains(MsgFlags::WAITALL) && !peek;
    let nonblock = nonblock || flags.contains(MsgFlags::DONTWAIT);
    let passcred = sock.common.opts.lock().passcred;
    // Linux's rule: a read stops after passed descriptors and, with
    // SO_PASSCRED, before another sender's bytes.
    let joins = |got: &Meta, next: &Meta| got.rights.is_empty() && (!passcred || got.creds == next.creds);
    let mut copied = 0;
    let mut got: Option<Meta> = None;
    loop {
        let step = block_on(&sock.common, Dir::Recv, nonblock && copied == 0, || {
            let mut st = sock.state.lock();
            if let Some((n, meta)) = st.rx.read_stream(&mut out[copied..], peek, joins) {
                return Some(Ok(Some((n, meta))));
            }
            if copied > 0 && !waitall {
                return Some(Ok(None));
            }
            if let Some(e) = sock.common.take_error() {
                return Some(Err(e));
            }
            if st.shut_rd {
                return Some(Ok(None));
            }
            None
        });
        match step {
            Ok(Some(_)) if out.is_empty() => break,
            Ok(Some((n, meta))) => {
                copied += n;
                let stop = !meta.rights.is_empty();
                match &mut got {
                    None => got = Some(meta),
                    Some(g) => g.rights.extend(meta.rights),
                }
                sched::notify();
                if !waitall || copied == out.len() || stop {
                    break;
                }
            }
            Ok(None) => break,
            Err(_) if copied > 0 => break,
            Err(e) => return Err(e),
        }
    }
    let meta = got.unwrap_or(Meta { from: None, creds: crate::net::own_ucred(), rights: Vec::new() });
    let mut r = sock.received(meta, copied, copied);
    if copied == 0 {
        r.creds = None;
    }
    Ok(r)
}

pub fn send_seqpacket(this: &Arc<UnixSocket>, msg: SendArgs) -> Result<usize, Errno> {
    if let Some(e) = this.common.take_error() {
        return Err(e);
    }
    let peer = this.peer().ok_or(Errno::ENOTCONN)?;
    super::dgram::send_to(this, &peer, msg, true)
}

pub fn recv_seqpacket(sock: &UnixSocket, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
    if !matches!(sock.state.lock().conn, Conn::Peer(_)) {
        return Err(Errno::ENOTCONN);
    }
    super::dgram::recv(sock, out, flags, nonblock)
}
