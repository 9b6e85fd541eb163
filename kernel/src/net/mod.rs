//! Sockets: the `Socket` trait every address family implements, the family
//! registry socket(2) and socketpair(2) go through, socket files in the
//! descriptor table (fstat says S_IFSOCK; read, write and poll reach the
//! socket), the blocking rule every socket operation waits by, and the
//! options all families share (`options.rs`). Families: AF_UNIX (`unix/`),
//! AF_INET over smoltcp (`inet/`, `stack.rs`), AF_PACKET (`packet.rs`) and
//! NETLINK_ROUTE (`netlink.rs`); interface ioctls in `ifconf.rs`.
//! The host-testable parts (addresses, control messages, queues, the
//! global buffer budget) are `kernel-socket`.

pub mod ifconf;
pub mod inet;
pub mod netlink;
pub mod options;
pub mod packet;
pub mod procnet;
pub mod stack;
pub mod unix;

use alloc::sync::Arc;
use alloc::vec::Vec;

use bitflags::bitflags;
use kernel_abi::Errno;
pub use kernel_socket as consts;
use kernel_socket::budget::{Budget, SOCKET_MEMORY_CAP};
use kernel_socket::cmsg::Ucred;
use spin::Mutex;

use crate::fs::anon::AnonInode;
use crate::fs::file::{Kind, OpenFile, O_NONBLOCK, O_RDWR};
use crate::process::{sched, signal};

/// `st_dev` of sockfs.
const SOCK_FS: u64 = 7;

/// Every socket buffer of every family is charged here (4 MiB in all).
pub static BUDGET: Budget = Budget::new(SOCKET_MEMORY_CAP);

bitflags! {
    /// The MSG_* flags of send and receive calls (Linux's values). Linux
    /// ignores bits it does not name, so they are dropped at the boundary;
    /// what a family does not implement it refuses itself.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
    pub struct MsgFlags: u32 {
        const OOB = 0x1;
        const PEEK = 0x2;
        const DONTROUTE = 0x4;
        const CTRUNC = 0x8;
        const PROBE = 0x10;
        const TRUNC = 0x20;
        const DONTWAIT = 0x40;
        const EOR = 0x80;
        const WAITALL = 0x100;
        const FIN = 0x200;
        const SYN = 0x400;
        const CONFIRM = 0x800;
        const RST = 0x1000;
        const ERRQUEUE = 0x2000;
        const NOSIGNAL = 0x4000;
        const MORE = 0x8000;
        const WAITFORONE = 0x1_0000;
        const BATCH = 0x4_0000;
        const ZEROCOPY = 0x400_0000;
        const FASTOPEN = 0x2000_0000;
        const CMSG_CLOEXEC = 0x4000_0000;
    }

    /// socket(2)/socketpair(2)/accept4(2) flags (SOCK_NONBLOCK, SOCK_CLOEXEC).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
    pub struct SockFlags: u32 {
        const NONBLOCK = O_NONBLOCK;
        const CLOEXEC = crate::fs::file::O_CLOEXEC;
    }
}

/// MSG_CMSG_COMPAT: the one bit sendmsg/recvmsg refuse (EINVAL).
pub const MSG_CMSG_COMPAT: u32 = 0x8000_0000;

/// shutdown(2)'s `how`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shutdown {
    pub read: bool,
    pub write: bool,
}

/// What a sendmsg passes besides its bytes (SCM_RIGHTS as open files).
#[derive(Default)]
pub struct Control {
    pub rights: Vec<Arc<OpenFile>>,
    pub creds: Option<Ucred>,
    /// Control messages of other levels: (level, type, data).
    pub other: Vec<(i32, i32, Vec<u8>)>,
}

/// One send.
pub struct SendArgs<'a> {
    pub data: &'a [u8],
    /// The destination `sockaddr` (sendto/sendmsg with a name).
    pub addr: Option<&'a [u8]>,
    pub control: Control,
    pub flags: MsgFlags,
    pub nonblock: bool,
}

/// What one receive got.
#[derive(Default)]
pub struct Received {
    /// Bytes written to the buffer.
    pub copied: usize,
    /// The message's full length (what MSG_TRUNC returns for datagrams).
    pub len: usize,
    /// The source address (datagrams, recvfrom).
    pub addr: Option<Vec<u8>>,
    pub rights: Vec<Arc<OpenFile>>,
    pub creds: Option<Ucred>,
    pub other: Vec<(i32, i32, Vec<u8>)>,
    /// MSG_TRUNC, MSG_EOR, ... for msg_flags.
    pub flags: MsgFlags,
}

/// A socket of some family and type. Addresses are the raw `sockaddr`
/// bytes (each family parses its own); waits go through `block_on`.
pub trait Socket: Send + Sync {
    /// The state every socket has (type, options, pending error).
    fn common(&self) -> &Common;
    fn bind(&self, addr: &[u8]) -> Result<(), Errno>;
    fn listen(&self, _backlog: i32) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    /// A new connection and its peer's address.
    fn accept(&self, _nonblock: bool) -> Result<(Arc<dyn Socket>, Vec<u8>), Errno> {
        Err(Errno::EOPNOTSUPP)
    }
    fn connect(&self, addr: &[u8], nonblock: bool) -> Result<(), Errno>;
    fn sendmsg(&self, msg: SendArgs) -> Result<usize, Errno>;
    /// Receives into `out` (passed descriptors and credentials come back
    /// in `Received`; the syscall layer installs them).
    fn recvmsg(&self, out: &mut [u8], flags: MsgFlags, nonblock: bool) -> Result<Received, Errno>;
    fn shutdown(&self, how: Shutdown) -> Result<(), Errno>;
    fn sockname(&self) -> Result<Vec<u8>, Errno>;
    fn peername(&self) -> Result<Vec<u8>, Errno>;
    /// setsockopt(2): the family's own levels, then the generic options.
    fn setsockopt(&self, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
        options::set(self.common(), level, name, val)
    }
    /// getsockopt(2): the value's bytes (the caller truncates to optlen).
    fn getsockopt(&self, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
        options::get(self, level, name)
    }
    /// SO_PEERCRED (None: no peer).
    fn peercred(&self) -> Option<Ucred> {
        None
    }
    /// SO_ACCEPTCONN.
    fn listening(&self) -> bool {
        false
    }
    /// poll(2) readiness: POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP.
    fn poll(&self) -> u16;
    /// Requests the family answers (FIONREAD/SIOCINQ, SIOCOUTQ, SIOCGIF*...).
    fn ioctl(&self, _cmd: u32, _arg: u64) -> Result<usize, Errno> {
        Err(Errno::ENOTTY)
    }
    /// The last descriptor closed: drop connections, names and queues.
    fn release(&self) {}
}

pub const POLLIN: u16 = 0x1;
pub const POLLOUT: u16 = 0x4;
pub const POLLERR: u16 = 0x8;
pub const POLLHUP: u16 = 0x10;
pub const POLLRDNORM: u16 = 0x40;
pub const POLLWRNORM: u16 = 0x100;
pub const POLLWRBAND: u16 = 0x200;
pub const POLLRDHUP: u16 = 0x2000;

/// The state every socket has.
pub struct Common {
    pub family: i32,
    /// SOCK_STREAM, SOCK_DGRAM, ...
    pub ty: i32,
    pub protocol: i32,
    pub opts: Mutex<options::Options>,
    /// SO_ERROR: the pending asynchronous error (read and cleared).
    pub error: Mutex<Option<Errno>>,
}

impl Common {
    pub fn new(family: i32, ty: i32, protocol: i32) -> Common {
        Common { family, ty, protocol, opts: Mutex::new(options::Options::default()), error: Mutex::new(None) }
    }

    pub fn take_error(&self) -> Option<Errno> {
        self.error.lock().take()
    }

    pub fn set_error(&self, e: Errno) {
        *self.error.lock() = Some(e);
        sched::notify();
    }
}

/// One address family: how socket(2) and socketpair(2) make its sockets.
pub struct Family {
    pub family: i32,
    /// socket(2) for a type (already range-checked) and protocol.
    pub create: fn(ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno>,
    /// socketpair(2); None: EOPNOTSUPP.
    pub pair: Option<fn(ty: i32, protocol: i32) -> Result<(Arc<dyn Socket>, Arc<dyn Socket>), Errno>>,
}

/// The families socket(2) knows. AF_INET6 is not one: EAFNOSUPPORT, so
/// programs fall back to IPv4 as on a kernel without IPv6.
static FAMILIES: &[&Family] = &[&unix::FAMILY, &inet::FAMILY, &packet::FAMILY, &netlink::FAMILY];

fn family(domain: i32, ty: i32) -> Result<&'static Family, Errno> {
    if !(0..consts::AF_MAX).contains(&domain) {
        return Err(Errno::EAFNOSUPPORT);
    }
    if !(0..consts::SOCK_MAX).contains(&ty) {
        return Err(Errno::EINVAL);
    }
    FAMILIES.iter().copied().find(|f| f.family == domain).ok_or(Errno::EAFNOSUPPORT)
}

/// socket(2)'s checks and the family's constructor.
pub fn create(domain: i32, ty: i32, protocol: i32) -> Result<Arc<dyn Socket>, Errno> {
    (family(domain, ty)?.create)(ty, protocol)
}

/// socketpair(2).
pub fn pair(domain: i32, ty: i32, protocol: i32) -> Result<(Arc<dyn Socket>, Arc<dyn Socket>), Errno> {
    let f = family(domain, ty)?;
    (f.pair.ok_or(Errno::EOPNOTSUPP)?)(ty, protocol)
}

/// An open file for `sock` (sockfs's inode: S_IFSOCK | 0777, as Linux's).
pub fn file(sock: Arc<dyn Socket>, flags: SockFlags) -> Arc<OpenFile> {
    let node = AnonInode::new(SOCK_FS, crate::fs::S_IFSOCK | 0o777);
    OpenFile::new(node, None, Kind::Socket(sock), O_RDWR | (flags & SockFlags::NONBLOCK).bits())
}

/// The socket behind an open file (ENOTSOCK for anything else).
pub fn of_file(file: &OpenFile) -> Result<&Arc<dyn Socket>, Errno> {
    match &file.kind {
        Kind::Socket(s) => Ok(s),
        _ => Err(Errno::ENOTSOCK),
    }
}

/// Which timeout a wait obeys.
#[derive(Clone, Copy)]
pub enum Dir {
    /// SO_RCVTIMEO (receive, accept).
    Recv,
    /// SO_SNDTIMEO (send, connect).
    Send,
}

/// Waits until `f` has an answer, re-asked after every event: EAGAIN at
/// once when `nonblock`, EAGAIN when the socket's timeout for `dir`
/// passes, EINTR when a signal is waiting to be delivered.
pub fn block_on<T>(
    common: &Common,
    dir: Dir,
    nonblock: bool,
    mut f: impl FnMut() -> Option<Result<T, Errno>>,
) -> Result<T, Errno> {
    if let Some(r) = f() {
        return r;
    }
    if nonblock {
        return Err(Errno::EAGAIN);
    }
    let timeout = {
        let o = common.opts.lock();
        match dir {
            Dir::Recv => o.rcvtimeo_ns,
            Dir::Send => o.sndtimeo_ns,
        }
    };
    let deadline = timeout.map(|t| crate::arch::timer::now_ns().saturating_add(t));
    sched::wait_for(|| {
        if let Some(r) = f() {
            Some(r)
        } else if deadline.is_some_and(|d| crate::arch::timer::now_ns() >= d) {
            Some(Err(Errno::EAGAIN))
        } else if signal::has_deliverable() {
            Some(Err(Errno::EINTR))
        } else {
            None
        }
    })
}

/// The caller's credentials as `struct ucred` (pid, effective ids).
pub fn own_ucred() -> Ucred {
    let c = crate::process::current_creds();
    Ucred { pid: crate::process::current_pid() as i32, uid: c.euid, gid: c.egid }
}

/// EPIPE's signal unless MSG_NOSIGNAL.
pub fn sigpipe(flags: MsgFlags) {
    if !flags.contains(MsgFlags::NOSIGNAL) {
        let _ = crate::process::with_current(|p| p.signals.raise(signal::SIGPIPE));
    }
}

/// Runs the IP stack (the device interrupt, the timer tick).
pub fn poll() {
    stack::poll();
}
