//! What the socket calls share: the socket behind a descriptor, a new
//! socket's descriptor, and the send and receive paths of
//! sendto/sendmsg/write and recvfrom/recvmsg (gathering the caller's
//! buffers into the kernel, SCM_RIGHTS descriptors in and out).

use alloc::sync::Arc;
use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_socket::cmsg::{self, Writer};
use kernel_socket::{SCM_CREDENTIALS, SOCK_STREAM, SOL_SOCKET};

use super::args::{Fd, UserSlice};
use super::current::current;
use crate::fs::file::OpenFile;
use crate::net::{self, Control, MsgFlags, Received, SendArgs, SockFlags, Socket};

/// Largest piece of a stream send or receive copied through the kernel
/// at once; larger sends go in pieces.
const PIECE: usize = 64 << 10;
/// Largest datagram (or seqpacket record) gathered (EMSGSIZE above).
const MAX_MESSAGE: usize = 512 << 10;
/// Largest control buffer sendmsg reads (Linux's optmem_max: ENOBUFS above).
const MAX_CONTROL: usize = 64 << 10;

/// The open file and socket behind `fd`: EBADF, or ENOTSOCK for another file.
pub fn socket(fd: Fd) -> Result<(Arc<OpenFile>, Arc<dyn Socket>), Errno> {
    let file = current().file(fd)?;
    let sock = net::of_file(&file)?.clone();
    Ok((file, sock))
}

/// A descriptor for a new socket.
pub fn install(sock: Arc<dyn Socket>, flags: SockFlags) -> Result<usize, Errno> {
    let file = net::file(sock, flags);
    current().with(|p| p.fds.insert(file, flags.contains(SockFlags::CLOEXEC)))
}

fn total(bufs: &[UserSlice]) -> usize {
    bufs.iter().fold(0usize, |t, b| t.saturating_add(b.len()))
}

/// Bytes `skip..skip+len` of the caller's buffers, copied in.
fn gather(bufs: &[UserSlice], skip: usize, len: usize) -> Result<Vec<u8>, Errno> {
    let mut out = super::fs_util::scratch(len)?;
    let (mut at, mut done) = (0, 0);
    for b in bufs {
        if done == len {
            break;
        }
        let end = at + b.len();
        if end > skip + done {
            let from = skip + done - at;
            let n = (b.len() - from).min(len - done);
            b.skip(from).read_into(&mut out[done..done + n])?;
            done += n;
        }
        at = end;
    }
    Ok(out)
}

/// `data` into the caller's buffers, from byte `skip` of them on.
fn scatter(bufs: &[UserSlice], skip: usize, data: &[u8]) -> Result<(), Errno> {
    let (mut at, mut done) = (0, 0);
    for b in bufs {
        if done == data.len() {
            break;
        }
        let end = at + b.len();
        if end > skip + done {
            let from = skip + done - at;
            let n = (b.len() - from).min(data.len() - done);
            b.skip(from).write_from(&data[done..done + n])?;
            done += n;
        }
        at = end;
    }
    Ok(())
}

/// SCM_RIGHTS descriptors as open files (EBADF for one not open).
pub fn control_files(fds: &[i32]) -> Result<Vec<Arc<OpenFile>>, Errno> {
    current().with(|p| fds.iter().map(|&fd| if fd < 0 { Err(Errno::EBADF) } else { p.fds.get(fd as u64) }).collect())
}

/// A sendmsg control buffer, decoded (files for SCM_RIGHTS).
pub fn read_control(buf: UserSlice) -> Result<Control, Errno> {
    if buf.len() > MAX_CONTROL {
        return Err(Errno::ENOBUFS);
    }
    if buf.len() < cmsg::HDR {
        return Ok(Control::default());
    }
    let mut raw = super::fs_util::scratch(buf.len())?;
    buf.read_into(&mut raw)?;
    let c = cmsg::parse(&raw)?;
    Ok(Control { rights: control_files(&c.rights)?, creds: c.creds, other: c.other })
}

/// One send: the whole message for datagrams and records (EMSGSIZE past
/// MAX_MESSAGE), pieces for streams until all is sent or the socket
/// stops taking more.
pub fn send(
    file: &OpenFile,
    sock: &Arc<dyn Socket>,
    bufs: &[UserSlice],
    addr: Option<Vec<u8>>,
    control: Control,
    flags: MsgFlags,
) -> Result<usize, Errno> {
    let len = total(bufs);
    let nonblock = file.nonblock();
    let stream = sock.common().ty == SOCK_STREAM;
    if !stream || len <= PIECE {
        if len > MAX_MESSAGE {
            return Err(Errno::EMSGSIZE);
        }
        let data = gather(bufs, 0, len)?;
        return sock.sendmsg(SendArgs { data: &data, addr: addr.as_deref(), control, flags, nonblock });
    }
    let mut control = Some(control);
    let mut sent = 0;
    while sent < len {
        let want = (len - sent).min(PIECE);
        let data = gather(bufs, sent, want)?;
        // Only a send that sent nothing raises SIGPIPE (Linux's rule).
        let flags = if sent > 0 { flags | MsgFlags::NOSIGNAL } else { flags };
        let args = SendArgs {
            data: &data,
            addr: addr.as_deref(),
            control: control.take().unwrap_or_default(),
            flags,
            nonblock,
        };
        match sock.sendmsg(args) {
            Ok(n) => {
                sent += n;
                if n < want {
                    break;
                }
            }
            Err(_) if sent > 0 => break,
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

/// What a receive returns to the caller.
pub struct Got {
    /// The call's value (the full length for a truncated datagram with MSG_TRUNC).
    pub value: usize,
    pub addr: Option<Vec<u8>>,
    pub control: Vec<u8>,
    /// msg_flags: MSG_TRUNC, MSG_CTRUNC.
    pub flags: u32,
}

/// One receive into the caller's buffers; `control_room` is msg_controllen
/// (passed descriptors become descriptors here, as many as fit).
pub fn recv(
    file: &OpenFile,
    sock: &Arc<dyn Socket>,
    bufs: &[UserSlice],
    flags: MsgFlags,
    control_room: usize,
) -> Result<Got, Errno> {
    let stream = sock.common().ty == SOCK_STREAM;
    let want = total(bufs);
    let len = want.min(if stream { PIECE } else { MAX_MESSAGE });
    let mut kbuf = super::fs_util::scratch(len)?;
    let mut r: Received = sock.recvmsg(&mut kbuf, flags, file.nonblock())?;
    scatter(bufs, 0, &kbuf[..r.copied])?;
    // MSG_WAITALL on a stream larger than one piece: the rest, piece by piece.
    let waitall = stream && flags.contains(MsgFlags::WAITALL) && !flags.contains(MsgFlags::PEEK);
    while waitall && r.copied < want && r.copied > 0 && r.copied % PIECE == 0 {
        let n = (want - r.copied).min(PIECE);
        match sock.recvmsg(&mut kbuf[..n], flags, file.nonblock()) {
            Ok(more) if more.copied > 0 => {
                scatter(bufs, r.copied, &kbuf[..more.copied])?;
                r.copied += more.copied;
                r.len = r.copied;
                if more.copied < n {
                    break;
                }
            }
            _ => break,
        }
    }
    let mut w = Writer::new(control_room);
    if let Some(c) = r.creds {
        w.put(SOL_SOCKET, SCM_CREDENTIALS, &c.encode());
    }
    for (level, ty, data) in &r.other {
        w.put(*level, *ty, data);
    }
    let mut closed = Vec::new();
    if !r.rights.is_empty() {
        let fit = w.rights_room(r.rights.len());
        let cloexec = flags.contains(MsgFlags::CMSG_CLOEXEC);
        let mut files = r.rights.into_iter();
        let mut fds = Vec::new();
        let _ = current().with(|p| {
            for f in files.by_ref().take(fit) {
                match p.fds.insert(f, cloexec) {
                    Ok(fd) => fds.push(fd as i32),
                    Err(_) => break,
                }
            }
            Ok(())
        });
        if fds.len() < fit {
            w.flags |= cmsg::MSG_CTRUNC;
        }
        closed.extend(files);
        w.put_rights(&fds);
    }
    // Descriptors that did not fit are closed, with no lock held.
    drop(closed);
    let value = if flags.contains(MsgFlags::TRUNC) && r.flags.contains(MsgFlags::TRUNC) { r.len } else { r.copied };
    Ok(Got { value, addr: r.addr, control: w.buf, flags: r.flags.bits() | w.flags })
}
