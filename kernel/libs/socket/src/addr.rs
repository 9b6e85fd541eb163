//! `struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }` as
//! Linux reads it (net/unix/af_unix.c `unix_validate_addr`, `unix_mkname`)
//! and writes it back (getsockname, getpeername, recvfrom, accept).

use alloc::vec::Vec;

use kernel_abi::Errno;

use crate::consts::AF_UNIX;

/// sizeof(struct sockaddr_un).
pub const SOCKADDR_UN_LEN: usize = 110;
/// offsetof(struct sockaddr_un, sun_path).
pub const PATH_OFFSET: usize = 2;

/// An AF_UNIX address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnixAddr {
    /// No name (a fresh or socketpair socket): only the family is returned.
    Unnamed,
    /// A filesystem path, without its terminating NUL.
    Path(Vec<u8>),
    /// An abstract name: the bytes after the leading NUL, NULs and all.
    Abstract(Vec<u8>),
}

/// The family of a raw `sockaddr` (EINVAL when shorter than the field).
pub fn family(raw: &[u8]) -> Result<i32, Errno> {
    if raw.len() < 2 {
        return Err(Errno::EINVAL);
    }
    Ok(i32::from(u16::from_le_bytes([raw[0], raw[1]])))
}

impl UnixAddr {
    /// Decodes a `sockaddr_un` of the length the caller gave: EINVAL for a
    /// length outside 2..=110 or another family. Exactly the family is
    /// `Unnamed` (bind autobinds, connect refuses). A path ends at its
    /// first NUL or at the end of the given length, whichever comes first.
    pub fn parse(raw: &[u8]) -> Result<UnixAddr, Errno> {
        if raw.len() < PATH_OFFSET || raw.len() > SOCKADDR_UN_LEN || family(raw)? != AF_UNIX {
            return Err(Errno::EINVAL);
        }
        let path = &raw[PATH_OFFSET..];
        Ok(match path.first() {
            None => UnixAddr::Unnamed,
            Some(0) => UnixAddr::Abstract(path[1..].to_vec()),
            Some(_) => {
                let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                UnixAddr::Path(path[..end].to_vec())
            }
        })
    }

    /// The bytes getsockname and friends return, with the length they
    /// report: the family alone for an unnamed socket; a path with its
    /// NUL (`offsetof + strlen + 1`, as Linux's stored address); an
    /// abstract name as given.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(SOCKADDR_UN_LEN);
        out.extend_from_slice(&(AF_UNIX as u16).to_le_bytes());
        match self {
            UnixAddr::Unnamed => {}
            UnixAddr::Path(p) => {
                out.extend_from_slice(p);
                out.push(0);
            }
            UnixAddr::Abstract(n) => {
                out.push(0);
                out.extend_from_slice(n);
            }
        }
        out
    }

    /// The name autobind gives (Linux: five hex digits in the abstract namespace).
    pub fn autobind(n: u32) -> UnixAddr {
        let mut name = Vec::with_capacity(5);
        for shift in (0..5).rev() {
            let d = ((n >> (shift * 4)) & 0xf) as u8;
            name.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
        }
        UnixAddr::Abstract(name)
    }
}

/// What the kernel writes for a returned address: `min(buffer, actual)`
/// bytes are copied, the full length is reported (the caller sees
/// truncation by comparing).
pub fn truncated(addr: &[u8], room: usize) -> &[u8] {
    &addr[..addr.len().min(room)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn raw(path: &[u8]) -> Vec<u8> {
        let mut v = vec![1u8, 0];
        v.extend_from_slice(path);
        v
    }

    #[test]
    fn parses_paths_abstract_and_unnamed() {
        assert_eq!(UnixAddr::parse(&raw(b"/tmp/s\0junk")), Ok(UnixAddr::Path(b"/tmp/s".to_vec())));
        assert_eq!(UnixAddr::parse(&raw(b"/tmp/s")), Ok(UnixAddr::Path(b"/tmp/s".to_vec())));
        assert_eq!(UnixAddr::parse(&raw(b"\0ab\0c")), Ok(UnixAddr::Abstract(b"ab\0c".to_vec())));
        assert_eq!(UnixAddr::parse(&raw(b"")), Ok(UnixAddr::Unnamed));
        assert_eq!(UnixAddr::parse(&raw(b"\0")), Ok(UnixAddr::Abstract(vec![])));
    }

    #[test]
    fn rejects_bad_lengths_and_families() {
        assert_eq!(UnixAddr::parse(&[1]), Err(Errno::EINVAL));
        assert_eq!(UnixAddr::parse(&[2, 0, b'a']), Err(Errno::EINVAL));
        assert_eq!(UnixAddr::parse(&raw(&[b'a'; 109])), Err(Errno::EINVAL));
        assert!(UnixAddr::parse(&raw(&[b'a'; 108])).is_ok());
    }

    #[test]
    fn encodes_as_linux_reports() {
        assert_eq!(UnixAddr::Unnamed.encode().len(), 2);
        assert_eq!(UnixAddr::Path(b"/a".to_vec()).encode(), vec![1, 0, b'/', b'a', 0]);
        assert_eq!(UnixAddr::Abstract(b"x".to_vec()).encode(), vec![1, 0, 0, b'x']);
        assert_eq!(UnixAddr::autobind(0x1a), UnixAddr::Abstract(b"0001a".to_vec()));
        assert_eq!(UnixAddr::autobind(0x1a).encode().len(), 8);
        assert_eq!(truncated(&[1, 2, 3], 2), &[1, 2]);
    }
}
