//! The SOL_SOCKET options every family shares (Linux's `sk_setsockopt` /
//! `sk_getsockopt`): buffer sizes with Linux's doubling and caps, send and
//! receive timeouts, the boolean flags, SO_LINGER, SO_PRIORITY, and the
//! read-only SO_TYPE/SO_PROTOCOL/SO_DOMAIN/SO_ERROR/SO_ACCEPTCONN/
//! SO_PEERCRED. An option nothing implements is ENOPROTOOPT, never
//! accepted and ignored; a family answers its own levels first.

use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_socket::*;

use super::{Common, Socket};

/// A socket's settable options.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub sndbuf: usize,
    pub rcvbuf: usize,
    /// SO_RCVTIMEO/SO_SNDTIMEO in ns (None: wait for ever).
    pub rcvtimeo_ns: Option<u64>,
    pub sndtimeo_ns: Option<u64>,
    pub passcred: bool,
    pub passsec: bool,
    pub reuseaddr: bool,
    pub reuseport: bool,
    pub keepalive: bool,
    pub broadcast: bool,
    pub dontroute: bool,
    pub oobinline: bool,
    pub no_check: bool,
    pub debug: bool,
    /// SO_LINGER (l_onoff, l_linger).
    pub linger: (i32, i32),
    pub priority: i32,
    pub rcvlowat: i32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            sndbuf: WMEM_DEFAULT,
            rcvbuf: RMEM_DEFAULT,
            rcvtimeo_ns: None,
            sndtimeo_ns: None,
            passcred: false,
            passsec: false,
            reuseaddr: false,
            reuseport: false,
            keepalive: false,
            broadcast: false,
            dontroute: false,
            oobinline: false,
            no_check: false,
            debug: false,
            linger: (0, 0),
            priority: 0,
            rcvlowat: 1,
        }
    }
}

fn int(val: &[u8]) -> i32 {
    i32::from_le_bytes([val[0], val[1], val[2], val[3]])
}

fn i64_at(val: &[u8], at: usize) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&val[at..at + 8]);
    i64::from_le_bytes(b)
}

/// `struct timeval` to a timeout: EINVAL when short, EDOM for tv_usec out
/// of range; a negative time is no wait at all, zero waits for ever.
fn timeout(val: &[u8]) -> Result<Option<u64>, Errno> {
    if val.len() < 16 {
        return Err(Errno::EINVAL);
    }
    let (sec, usec) = (i64_at(val, 0), i64_at(val, 8));
    if !(0..1_000_000).contains(&usec) {
        return Err(Errno::EDOM);
    }
    if sec < 0 {
        return Ok(Some(0));
    }
    if sec == 0 && usec == 0 {
        return Ok(None);
    }
    Ok(Some((sec as u64).saturating_mul(1_000_000_000).saturating_add(usec as u64 * 1000)))
}

fn timeval(t: Option<u64>) -> Vec<u8> {
    let ns = t.unwrap_or(0);
    let mut v = Vec::with_capacity(16);
    v.extend_from_slice(&((ns / 1_000_000_000) as i64).to_le_bytes());
    v.extend_from_slice(&(((ns % 1_000_000_000) / 1000) as i64).to_le_bytes());
    v
}

fn privileged() -> bool {
    crate::syscall::current::is_privileged(&crate::process::current_creds())
}

/// Generic setsockopt: SOL_SOCKET only (ENOPROTOOPT for other levels and
/// unknown options; EINVAL for a value shorter than an int).
pub fn set(common: &Common, level: i32, name: i32, val: &[u8]) -> Result<(), Errno> {
    if level != SOL_SOCKET {
        return Err(Errno::ENOPROTOOPT);
    }
    if val.len() < 4 {
        return Err(Errno::EINVAL);
    }
    let v = int(val);
    let on = v != 0;
    let mut o = common.opts.lock();
    match name {
        SO_DEBUG if on && !privileged() => return Err(Errno::EACCES),
        SO_DEBUG => o.debug = on,
        SO_REUSEADDR => o.reuseaddr = on,
        SO_REUSEPORT => o.reuseport = on,
        SO_DONTROUTE => o.dontroute = on,
        SO_BROADCAST => o.broadcast = on,
        SO_KEEPALIVE => o.keepalive = on,
        SO_OOBINLINE => o.oobinline = on,
        SO_NO_CHECK => o.no_check = on,
        SO_PASSCRED => o.passcred = on,
        SO_PASSSEC => o.passsec = on,
        SO_SNDBUF => o.sndbuf = buf_size(v, WMEM_MAX, SOCK_MIN_SNDBUF),
        SO_RCVBUF => o.rcvbuf = buf_size(v, RMEM_MAX, SOCK_MIN_RCVBUF),
        SO_SNDBUFFORCE | SO_RCVBUFFORCE if !privileged() => return Err(Errno::EPERM),
        SO_SNDBUFFORCE => o.sndbuf = buf_size(v.max(0), usize::MAX / 4, SOCK_MIN_SNDBUF).min(WMEM_MAX * 16),
        SO_RCVBUFFORCE => o.rcvbuf = buf_size(v.max(0), usize::MAX / 4, SOCK_MIN_RCVBUF).min(RMEM_MAX * 16),
        SO_PRIORITY if !(0..=6).contains(&v) && !privileged() => return Err(Errno::EPERM),
        SO_PRIORITY => o.priority = v,
        SO_LINGER if val.len() < 8 => return Err(Errno::EINVAL),
        SO_LINGER => o.linger = (v, int(&val[4..])),
        SO_RCVLOWAT => o.rcvlowat = if v < 0 { i32::MAX } else { v.max(1) },
        SO_RCVTIMEO_OLD | SO_RCVTIMEO_NEW => o.rcvtimeo_ns = timeout(val)?,
        SO_SNDTIMEO_OLD | SO_SNDTIMEO_NEW => o.sndtimeo_ns = timeout(val)?,
        _ => return Err(Errno::ENOPROTOOPT),
    }
    Ok(())
}

/// Generic getsockopt: the value's bytes (the caller copies as many as
/// optlen allows).
pub fn get<S: Socket + ?Sized>(sock: &S, level: i32, name: i32) -> Result<Vec<u8>, Errno> {
    if level != SOL_SOCKET {
        return Err(Errno::ENOPROTOOPT);
    }
    let c = sock.common();
    let o = *c.opts.lock();
    let v: i32 = match name {
        SO_TYPE => c.ty,
        SO_PROTOCOL => c.protocol,
        SO_DOMAIN => c.family,
        SO_ERROR => c.take_error().map_or(0, |e| e as i32),
        SO_ACCEPTCONN => sock.listening() as i32,
        SO_DEBUG => o.debug as i32,
        SO_REUSEADDR => o.reuseaddr as i32,
        SO_REUSEPORT => o.reuseport as i32,
        SO_DONTROUTE => o.dontroute as i32,
        SO_BROADCAST => o.broadcast as i32,
        SO_KEEPALIVE => o.keepalive as i32,
        SO_OOBINLINE => o.oobinline as i32,
        SO_NO_CHECK => o.no_check as i32,
        SO_PASSCRED => o.passcred as i32,
        SO_PASSSEC => o.passsec as i32,
        SO_SNDBUF => o.sndbuf as i32,
        SO_RCVBUF => o.rcvbuf as i32,
        SO_PRIORITY => o.priority,
        SO_RCVLOWAT => o.rcvlowat,
        SO_SNDLOWAT => 1,
        SO_LINGER => {
            let mut b = Vec::with_capacity(8);
            b.extend_from_slice(&o.linger.0.to_le_bytes());
            b.extend_from_slice(&o.linger.1.to_le_bytes());
            return Ok(b);
        }
        SO_PEERCRED => {
            // No peer: pid 0, ids -1, as Linux's cred_to_ucred.
            let cred = sock.peercred().unwrap_or(kernel_socket::cmsg::Ucred { pid: 0, uid: u32::MAX, gid: u32::MAX });
            return Ok(cred.encode().to_vec());
        }
        SO_RCVTIMEO_OLD | SO_RCVTIMEO_NEW => return Ok(timeval(o.rcvtimeo_ns)),
        SO_SNDTIMEO_OLD | SO_SNDTIMEO_NEW => return Ok(timeval(o.sndtimeo_ns)),
        _ => return Err(Errno::ENOPROTOOPT),
    };
    Ok(v.to_le_bytes().to_vec())
}
