//! Control messages (`struct cmsghdr { size_t cmsg_len; int cmsg_level;
//! int cmsg_type; }` + data, each aligned to 8), as Linux's `__scm_send`
//! reads them from sendmsg and `put_cmsg`/`scm_detach_fds` write them for
//! recvmsg.

use alloc::vec::Vec;

use kernel_abi::Errno;

use crate::consts::{SCM_CREDENTIALS, SCM_RIGHTS, SOL_SOCKET};

/// sizeof(struct cmsghdr).
pub const HDR: usize = 16;
/// SCM_MAX_FD: most descriptors one sendmsg passes.
pub const SCM_MAX_FD: usize = 253;
/// sizeof(struct ucred).
pub const UCRED_LEN: usize = 12;
/// MSG_CTRUNC.
pub const MSG_CTRUNC: u32 = 8;

pub const fn align(len: usize) -> usize {
    (len + 7) & !7
}

/// CMSG_LEN(len).
pub const fn cmsg_len(len: usize) -> usize {
    HDR + len
}

/// CMSG_SPACE(len).
pub const fn cmsg_space(len: usize) -> usize {
    HDR + align(len)
}

/// `struct ucred`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ucred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

impl Ucred {
    pub fn encode(&self) -> [u8; UCRED_LEN] {
        let mut b = [0u8; UCRED_LEN];
        b[..4].copy_from_slice(&self.pid.to_le_bytes());
        b[4..8].copy_from_slice(&self.uid.to_le_bytes());
        b[8..].copy_from_slice(&self.gid.to_le_bytes());
        b
    }

    pub fn decode(b: &[u8]) -> Ucred {
        let w = |i: usize| [b[i], b[i + 1], b[i + 2], b[i + 3]];
        Ucred { pid: i32::from_le_bytes(w(0)), uid: u32::from_le_bytes(w(4)), gid: u32::from_le_bytes(w(8)) }
    }
}

/// What one sendmsg's control buffer asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendControl {
    /// SCM_RIGHTS descriptors, every message's in order.
    pub rights: Vec<i32>,
    /// SCM_CREDENTIALS (the last one counts, as in Linux).
    pub creds: Option<Ucred>,
    /// Messages of other levels, left to the protocol: (level, type, data).
    pub other: Vec<(i32, i32, Vec<u8>)>,
}

fn word(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Decodes a sendmsg control buffer: EINVAL for a header whose length is
/// below the header or past the buffer, an SCM_CREDENTIALS of the wrong
/// size, an unknown SOL_SOCKET type or more than SCM_MAX_FD descriptors.
pub fn parse(buf: &[u8]) -> Result<SendControl, Errno> {
    let mut out = SendControl::default();
    let mut at = 0;
    while at + HDR <= buf.len() {
        let len = u64::from_le_bytes(buf[at..at + 8].try_into().map_err(|_| Errno::EINVAL)?);
        let left = (buf.len() - at) as u64;
        if len < HDR as u64 || len > left {
            return Err(Errno::EINVAL);
        }
        let len = len as usize;
        let (level, ty) = (word(buf, at + 8), word(buf, at + 12));
        let data = &buf[at + HDR..at + len];
        if level == SOL_SOCKET {
            match ty {
                SCM_RIGHTS => {
                    let fds = data.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]));
                    out.rights.extend(fds);
                    if out.rights.len() > SCM_MAX_FD {
                        return Err(Errno::EINVAL);
                    }
                }
                SCM_CREDENTIALS if data.len() == UCRED_LEN => out.creds = Some(Ucred::decode(data)),
                _ => return Err(Errno::EINVAL),
            }
        } else {
            out.other.push((level, ty, data.to_vec()));
        }
        at += align(len);
    }
    Ok(out)
}

/// Builds a recvmsg control buffer of `room` bytes (msg_controllen).
pub struct Writer {
    pub buf: Vec<u8>,
    room: usize,
    /// MSG_CTRUNC once something did not fit.
    pub flags: u32,
}

impl Writer {
    pub fn new(room: usize) -> Writer {
        Writer { buf: Vec::new(), room, flags: 0 }
    }

    fn left(&self) -> usize {
        self.room - self.buf.len()
    }

    /// One message, truncated (MSG_CTRUNC) when it does not fit, as `put_cmsg`.
    pub fn put(&mut self, level: i32, ty: i32, data: &[u8]) {
        let left = self.left();
        if left < HDR {
            self.flags |= MSG_CTRUNC;
            return;
        }
        let mut len = cmsg_len(data.len());
        if left < len {
            self.flags |= MSG_CTRUNC;
            len = left;
        }
        let start = self.buf.len();
        self.buf.extend_from_slice(&(len as u64).to_le_bytes());
        self.buf.extend_from_slice(&level.to_le_bytes());
        self.buf.extend_from_slice(&ty.to_le_bytes());
        self.buf.extend_from_slice(&data[..len - HDR]);
        let space = cmsg_space(data.len()).min(left);
        self.buf.resize(start + space, 0);
    }

    /// How many of `count` passed descriptors fit (the rest are closed and
    /// MSG_CTRUNC set, as `scm_detach_fds`).
    pub fn rights_room(&mut self, count: usize) -> usize {
        let fit = self.left().saturating_sub(HDR) / 4;
        if fit < count {
            self.flags |= MSG_CTRUNC;
        }
        fit.min(count)
    }

    /// The SCM_RIGHTS message for the descriptors installed.
    pub fn put_rights(&mut self, fds: &[i32]) {
        if fds.is_empty() {
            return;
        }
        let data: Vec<u8> = fds.iter().flat_map(|f| f.to_le_bytes()).collect();
        self.put(SOL_SOCKET, SCM_RIGHTS, &data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn msg(level: i32, ty: i32, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&(cmsg_len(data.len()) as u64).to_le_bytes());
        v.extend_from_slice(&level.to_le_bytes());
        v.extend_from_slice(&ty.to_le_bytes());
        v.extend_from_slice(data);
        v.resize(cmsg_space(data.len()), 0);
        v
    }

    #[test]
    fn parses_rights_and_credentials() {
        let mut buf = msg(SOL_SOCKET, SCM_RIGHTS, &[3, 0, 0, 0, 4, 0, 0, 0]);
        buf.extend(msg(SOL_SOCKET, SCM_CREDENTIALS, &Ucred { pid: 5, uid: 6, gid: 7 }.encode()));
        buf.extend(msg(0, 8, &[1]));
        let c = parse(&buf).unwrap();
        assert_eq!(c.rights, vec![3, 4]);
        assert_eq!(c.creds, Some(Ucred { pid: 5, uid: 6, gid: 7 }));
        assert_eq!(c.other, vec![(0, 8, vec![1])]);
    }

    #[test]
    fn rejects_bad_headers() {
        let mut bad = msg(SOL_SOCKET, SCM_RIGHTS, &[3, 0, 0, 0]);
        bad[0] = 8;
        assert_eq!(parse(&bad), Err(Errno::EINVAL));
        bad[0] = 200;
        assert_eq!(parse(&bad), Err(Errno::EINVAL));
        assert_eq!(parse(&msg(SOL_SOCKET, SCM_CREDENTIALS, &[0; 8])), Err(Errno::EINVAL));
        assert_eq!(parse(&msg(SOL_SOCKET, 99, &[])), Err(Errno::EINVAL));
        // A buffer too short for a header holds no message.
        assert_eq!(parse(&[0; 8]), Ok(SendControl::default()));
    }

    #[test]
    fn writer_truncates_like_linux() {
        let mut w = Writer::new(cmsg_space(UCRED_LEN));
        w.put(SOL_SOCKET, SCM_CREDENTIALS, &[0; UCRED_LEN]);
        assert_eq!((w.buf.len(), w.flags), (32, 0));
        w.put(SOL_SOCKET, SCM_CREDENTIALS, &[0; UCRED_LEN]);
        assert_eq!(w.flags, MSG_CTRUNC);

        let mut w = Writer::new(cmsg_space(4));
        assert_eq!(w.rights_room(3), 2);
        assert_eq!(w.flags, MSG_CTRUNC);
        w.put_rights(&[5, 6]);
        assert_eq!(w.buf.len(), 24);
        assert_eq!(u64::from_le_bytes(w.buf[..8].try_into().unwrap()), 24);
    }
}
