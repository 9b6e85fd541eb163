//! SOCK_DGRAM (and the record half of SOCK_SEQPACKET): each send is one
//! message in the receiver's queue, with the sender's name as its source;
//! a receiver not connected back to its sender holds at most
//! `MAX_DGRAM_QLEN + 1` messages, and every sender at most its SO_SNDBUF
//! in the receiver's queue.

use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_socket::addr::{self, UnixAddr};
use kernel_socket::AF_UNSPEC;

use super::{name, Conn, Meta, UnixSocket, MAX_DGRAM_QLEN};
use crate::net::{block_on, Dir, MsgFlags, Received, SendArgs};
use crate::process::sched;

/// connect(2) of a datagram socket: sets (or, with AF_UNSPEC, clears) the
/// default destination; EPERM when the target is connected elsewhere.
pub fn connect(this: &Arc<UnixSocket>, raw: &[u8]) -> Result<(), Errno> {
    if addr::family(raw)? == AF_UNSPEC {
        this.state.lock().conn = Conn::None;
        sched::notify();
        return Ok(());
    }
    let addr = UnixAddr::parse(raw)?;
    if addr == UnixAddr::Unnamed {
        return Err(Errno::EINVAL);
    }
    this.maybe_autobind()?;
    let other = name::lookup(&addr)?;
    if other.common.ty != this.common.ty {
        return Err(Errno::EPROTOTYPE);
    }
    if !may_send(this, &other) {
        return Err(Errno::EPERM);
    }
    this.state.lock().conn = Conn::Peer(other);
    sched::notify();
    Ok(())
}

/// Linux's unix_may_send: the target is unconnected or connected to us.
fn may_send(this: &Arc<UnixSocket>, other: &Arc<UnixSocket>) -> bool {
    match other.peer() {
        None => true,
        Some(p) => Arc::ptr_eq(&p, this),
    }
}

pub fn send(this: &Arc<UnixSocket>, msg: SendArgs) -> Result<usize, Errno> {
    let target = match msg.addr.filter(|a| !a.is_empty()) {
        Some(raw) => {
            let addr = UnixAddr::parse(raw)?;
            if addr == UnixAddr::Unnamed {
                return Err(Errno::EINVAL);
            }
            Some(addr)
        }
        None => None,
    };
    let peer = match &target {
        Some(_) => None,
        None => Some(this.peer().ok_or(Errno::ENOTCONN)?),
    };
    this.maybe_autobind()?;
    let other = match (target, peer) {
        (Some(addr), _) => {
            let other = name::lookup(&addr)?;
            if other.common.ty != this.common.ty {
                return Err(Errno::EPROTOTYPE);
            }
            other
        }
        (None, Some(p)) => p,
        (None, None) => return Err(Errno::ENOTCONN),
    };
    send_to(this, &other, msg, false)
}

/// One message from `this` to `other` (seqpacket: the connection's peer).
pub fn send_to(
    this: &Arc<UnixSocket>,
    other: &Arc<UnixSocket>,
    msg: SendArgs,
    seqpacket: bool,
) -> Result<usize, Errno> {
    let sndbuf = this.common.opts.lock().sndbuf;
    if msg.data.len() > sndbuf.saturating_sub(32) {
        return Err(Errno::EMSGSIZE);
    }
    if this.state.lock().shut_wr {
        return Err(Errno::EPIPE);
    }
    let creds = this.creds_for_send(msg.control.creds)?;
    let from = this.state.lock().addr.clone();
    super::inflight::take(msg.control.rights.len())?;
    let mut rights = Some(msg.control.rights);
    let nonblock = msg.nonblock || msg.flags.contains(MsgFlags::DONTWAIT);
    let data = msg.data;
    let connected_back = || other.peer().is_some_and(|p| Arc::ptr_eq(&p, this));
    let sent = block_on(&this.common, Dir::Send, nonblock, || {
        if other.is_released() {
            if !seqpacket && this.peer().is_some_and(|p| Arc::ptr_eq(&p, other)) {
                this.state.lock().conn = Conn::None;
            }
            return Some(Err(if seqpacket { Errno::EPIPE } else { Errno::ECONNREFUSED }));
        }
        if !seqpacket && !may_send(this, other) {
            return Some(Err(Errno::EPERM));
        }
        let back = connected_back();
        let mut o = other.state.lock();
        if o.shut_rd {
            return Some(Err(Errno::EPIPE));
        }
        if (!back && o.rx.messages() > MAX_DGRAM_QLEN) || o.rx.charged() >= sndbuf {
            return None;
        }
        let mut bytes = Vec::new();
        if bytes.try_reserve_exact(data.len()).is_err() {
            return Some(Err(Errno::ENOBUFS));
        }
        bytes.extend_from_slice(data);
        let meta = Meta { from: from.clone(), creds, rights: rights.take().unwrap_or_default() };
        match o.rx.push(bytes, meta) {
            Ok(()) => Some(Ok(data.len())),
            Err(meta) => {
                rights = Some(meta.rights);
                Some(Err(Errno::ENOBUFS))
            }
        }
    });
    if let Some(r) = &rights {
        super::inflight::give_back(r.len());
    }
    let sent = sent?;
    sched::notify();
    Ok(sent)
}

pub fn recv(sock: &UnixSocket, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno> {
    let peek = flags.contains(MsgFlags::PEEK);
    let nonblock = nonblock || flags.contains(MsgFlags::DONTWAIT);
    let got = block_on(&sock.common, Dir::Recv, nonblock, || {
        let mut st = sock.state.lock();
        if let Some(d) = st.rx.read_datagram(out, peek) {
            return Some(Ok(Some(d)));
        }
        if let Some(e) = sock.common.take_error() {
            return Some(Err(e));
        }
        if st.shut_rd {
            return Some(Ok(None));
        }
        None
    })?;
    sched::notify();
    let Some(d) = got else { return Ok(Received::default()) };
    let mut r = sock.received(d.meta, d.copied, d.len);
    if d.copied < d.len {
        r.flags |= MsgFlags::TRUNC;
    }
    Ok(r)
}
