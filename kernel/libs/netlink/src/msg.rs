//! Wire format: `nlmsghdr`, the rtnetlink bodies (`ifinfomsg`, `ifaddrmsg`,
//! `rtmsg`) and `rtattr` attributes, all native-endian (little on AArch64)
//! and 4-byte aligned (<linux/netlink.h>, <linux/rtnetlink.h>).

use alloc::vec::Vec;

pub const NLMSG_NOOP: u16 = 1;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_DELLINK: u16 = 17;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_SETLINK: u16 = 19;
pub const RTM_NEWADDR: u16 = 20;
pub const RTM_DELADDR: u16 = 21;
pub const RTM_GETADDR: u16 = 22;
pub const RTM_NEWROUTE: u16 = 24;
pub const RTM_DELROUTE: u16 = 25;
pub const RTM_GETROUTE: u16 = 26;

pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_MULTI: u16 = 0x2;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_ECHO: u16 = 0x8;
pub const NLM_F_ROOT: u16 = 0x100;
pub const NLM_F_MATCH: u16 = 0x200;
pub const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;
pub const NLM_F_REPLACE: u16 = 0x100;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;

pub const IFLA_ADDRESS: u16 = 1;
pub const IFLA_BROADCAST: u16 = 2;
pub const IFLA_IFNAME: u16 = 3;
pub const IFLA_MTU: u16 = 4;
pub const IFLA_QDISC: u16 = 6;
pub const IFLA_STATS: u16 = 7;
pub const IFLA_TXQLEN: u16 = 13;
pub const IFLA_OPERSTATE: u16 = 16;

pub const IFA_ADDRESS: u16 = 1;
pub const IFA_LOCAL: u16 = 2;
pub const IFA_LABEL: u16 = 3;
pub const IFA_BROADCAST: u16 = 4;
pub const IFA_CACHEINFO: u16 = 6;

pub const RTA_DST: u16 = 1;
pub const RTA_OIF: u16 = 4;
pub const RTA_GATEWAY: u16 = 5;
pub const RTA_PRIORITY: u16 = 6;
pub const RTA_PREFSRC: u16 = 7;
pub const RTA_TABLE: u16 = 15;

pub const AF_UNSPEC: u8 = 0;
pub const AF_INET: u8 = 2;

pub const RT_TABLE_MAIN: u8 = 254;
pub const RT_TABLE_LOCAL: u8 = 255;
pub const RTPROT_KERNEL: u8 = 2;
pub const RTPROT_BOOT: u8 = 3;
pub const RT_SCOPE_UNIVERSE: u8 = 0;
pub const RT_SCOPE_LINK: u8 = 253;
pub const RT_SCOPE_HOST: u8 = 254;
pub const RTN_UNICAST: u8 = 1;
pub const RTN_LOCAL: u8 = 2;

pub const IFF_UP: u32 = 0x1;
pub const IFF_BROADCAST: u32 = 0x2;
pub const IFF_LOOPBACK: u32 = 0x8;
pub const IFF_RUNNING: u32 = 0x40;
pub const IFF_MULTICAST: u32 = 0x1000;
pub const IFF_LOWER_UP: u32 = 0x10000;

pub const ARPHRD_ETHER: u16 = 1;
pub const ARPHRD_LOOPBACK: u16 = 772;

pub const NLMSG_HDRLEN: usize = 16;

/// Linux errno values the tables answer with.
pub const ESRCH: i32 = 3;
pub const ENODEV: i32 = 19;
pub const EEXIST: i32 = 17;
pub const EINVAL: i32 = 22;
pub const EOPNOTSUPP: i32 = 95;
pub const EADDRNOTAVAIL: i32 = 99;

pub fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// One message's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Header {
    pub len: u32,
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
}

impl Header {
    pub fn parse(b: &[u8]) -> Option<Header> {
        Some(Header {
            len: u32_at(b, 0)?,
            kind: u16_at(b, 4)?,
            flags: u16_at(b, 6)?,
            seq: u32_at(b, 8)?,
            pid: u32_at(b, 12)?,
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.len.to_le_bytes());
        out.extend_from_slice(&self.kind.to_le_bytes());
        out.extend_from_slice(&self.flags.to_le_bytes());
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.pid.to_le_bytes());
    }
}

/// The messages of one datagram: `(header, payload)` pairs; stops at the
/// first truncated or malformed one (as the kernel does: the rest is ignored).
pub fn messages(b: &[u8]) -> Vec<(Header, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(h) = Header::parse(&b[at..]) {
        let len = h.len as usize;
        if len < NLMSG_HDRLEN || at + len > b.len() {
            break;
        }
        out.push((h, &b[at + NLMSG_HDRLEN..at + len]));
        at += align4(len);
        if at >= b.len() {
            break;
        }
    }
    out
}

/// The `rtattr`s of a payload after its fixed part: `(type, data)`.
pub fn attrs(b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while let (Some(len), Some(kind)) = (u16_at(b, at), u16_at(b, at + 2)) {
        let len = len as usize;
        if len < 4 || at + len > b.len() {
            break;
        }
        out.push((kind & 0x3fff, &b[at + 4..at + len]));
        at += align4(len);
    }
    out
}

pub fn attr_u32(data: &[u8]) -> Option<u32> {
    u32_at(data, 0)
}

pub fn attr_ipv4(data: &[u8]) -> Option<[u8; 4]> {
    data.get(..4)?.try_into().ok()
}

/// The name in an IFLA_IFNAME/IFA_LABEL attribute (NUL-terminated).
pub fn attr_str(data: &[u8]) -> &[u8] {
    let end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
    &data[..end]
}

/// Builds one message: header, fixed body, attributes; `finish` fills in
/// the length.
pub struct Builder {
    buf: Vec<u8>,
}

impl Builder {
    pub fn new(kind: u16, flags: u16, seq: u32, pid: u32) -> Builder {
        let mut buf = Vec::new();
        Header { len: 0, kind, flags, seq, pid }.write(&mut buf);
        Builder { buf }
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Builder {
        self.buf.extend_from_slice(b);
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
        self
    }

    pub fn attr(&mut self, kind: u16, data: &[u8]) -> &mut Builder {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_le_bytes());
        self.buf.extend_from_slice(&kind.to_le_bytes());
        self.bytes(data)
    }

    pub fn attr_u32(&mut self, kind: u16, v: u32) -> &mut Builder {
        self.attr(kind, &v.to_le_bytes())
    }

    /// A NUL-terminated string attribute.
    pub fn attr_str(&mut self, kind: u16, s: &[u8]) -> &mut Builder {
        let mut v = Vec::from(s);
        v.push(0);
        self.attr(kind, &v)
    }

    pub fn finish(&mut self) -> Vec<u8> {
        let len = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&len.to_le_bytes());
        core::mem::take(&mut self.buf)
    }
}

/// NLMSG_ERROR: `error` (0 for an ACK, else -errno) and the request's header.
pub fn error_msg(req: &Header, errno: i32, pid: u32) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&(-errno).to_le_bytes());
    Header { len: NLMSG_HDRLEN as u32, ..*req }.write(&mut body);
    Builder::new(NLMSG_ERROR, 0, req.seq, pid).bytes(&body).finish()
}

/// NLMSG_DONE closing a dump (its payload: the int 0).
pub fn done_msg(req: &Header, pid: u32) -> Vec<u8> {
    Builder::new(NLMSG_DONE, NLM_F_MULTI, req.seq, pid).bytes(&0i32.to_le_bytes()).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_and_parser_round_trip() {
        let m = Builder::new(RTM_NEWLINK, NLM_F_MULTI, 7, 0)
            .bytes(&[0; 16])
            .attr_str(IFLA_IFNAME, b"eth0")
            .attr_u32(IFLA_MTU, 1500)
            .finish();
        assert_eq!(m.len() % 4, 0);
        let msgs = messages(&m);
        assert_eq!(msgs.len(), 1);
        let (h, body) = msgs[0];
        assert_eq!((h.kind, h.seq, h.len as usize), (RTM_NEWLINK, 7, m.len()));
        let a = attrs(&body[16..]);
        assert_eq!(a.len(), 2);
        assert_eq!(attr_str(a[0].1), b"eth0");
        assert_eq!(attr_u32(a[1].1), Some(1500));
    }

    #[test]
    fn truncated_input_is_ignored_not_misread() {
        assert!(messages(&[1, 2, 3]).is_empty());
        let mut m = Builder::new(RTM_GETLINK, NLM_F_REQUEST, 1, 0).bytes(&[0; 4]).finish();
        m[0] = 200; // claims more than there is
        assert!(messages(&m).is_empty());
        assert!(attrs(&[8, 0, 1, 0, 1]).is_empty());
        assert!(attrs(&[2, 0, 1, 0]).is_empty());
    }

    #[test]
    fn error_carries_negative_errno_and_request_header() {
        let req = Header { len: 40, kind: RTM_DELROUTE, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 9, pid: 33 };
        let e = error_msg(&req, ESRCH, 0);
        let (h, body) = messages(&e)[0];
        assert_eq!(h.kind, NLMSG_ERROR);
        assert_eq!(h.seq, 9);
        assert_eq!(i32::from_le_bytes(body[..4].try_into().unwrap()), -ESRCH);
        assert_eq!(Header::parse(&body[4..]).unwrap().kind, RTM_DELROUTE);
    }
}
