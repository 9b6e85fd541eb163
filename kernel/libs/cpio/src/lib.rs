//! A reader for the cpio "newc" format (`070701`), the format of Linux
//! initramfs archives. Borrowing iterator over an in-memory archive: no
//! allocation, no unsafe; every malformed header is an error, never a panic.
#![no_std]
#![forbid(unsafe_code)]

/// File type bits of `mode` (as in `stat.st_mode`).
pub const S_IFMT: u32 = 0o170000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFBLK: u32 = 0o060000;

const MAGIC: &[u8; 6] = b"070701";
const HEADER_LEN: usize = 110;
const TRAILER: &str = "TRAILER!!!";

/// One archive member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Path as stored, without a leading `./` or `/`; the root (`.`) is `""`.
    pub name: &'a str,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u32,
    pub rdev_major: u32,
    pub rdev_minor: u32,
    /// File contents, or the target of a symlink.
    pub data: &'a [u8],
}

impl Entry<'_> {
    pub fn file_type(&self) -> u32 {
        self.mode & S_IFMT
    }
    pub fn permissions(&self) -> u32 {
        self.mode & 0o7777
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The header at this offset does not start with `070701`.
    BadMagic { offset: usize },
    /// A header field is not 8 hex digits.
    BadField { offset: usize },
    /// The archive ends inside a header, name or data.
    Truncated { offset: usize },
    /// A name is not UTF-8 or lacks its NUL.
    BadName { offset: usize },
}

/// Iterates over the members of `archive` up to the trailer.
pub fn entries(archive: &[u8]) -> Entries<'_> {
    Entries { data: archive, offset: 0, done: false }
}

pub struct Entries<'a> {
    data: &'a [u8],
    offset: usize,
    done: bool,
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn hex_field(header: &[u8], index: usize, offset: usize) -> Result<u32, Error> {
    let raw = &header[6 + index * 8..6 + (index + 1) * 8];
    let mut value: u32 = 0;
    for &b in raw {
        let digit = (b as char).to_digit(16).ok_or(Error::BadField { offset })?;
        value = (value << 4) | digit;
    }
    Ok(value)
}

impl<'a> Entries<'a> {
    fn parse(&mut self) -> Result<Option<Entry<'a>>, Error> {
        let offset = self.offset;
        // Some archives are padded with NULs after the trailer or between concatenated parts.
        let header = self.data.get(offset..offset + HEADER_LEN).ok_or(Error::Truncated { offset })?;
        if &header[..6] != MAGIC {
            return Err(Error::BadMagic { offset });
        }
        let field = |i| hex_field(header, i, offset);
        let mode = field(1)?;
        let uid = field(2)?;
        let gid = field(3)?;
        let nlink = field(4)?;
        let mtime = field(5)?;
        let filesize = field(6)? as usize;
        let rdev_major = field(9)?;
        let rdev_minor = field(10)?;
        let namesize = field(11)? as usize;
        let name_start = offset + HEADER_LEN;
        let name_bytes = self.data.get(name_start..name_start + namesize).ok_or(Error::Truncated { offset })?;
        let (last, name_bytes) = name_bytes.split_last().ok_or(Error::BadName { offset })?;
        if *last != 0 {
            return Err(Error::BadName { offset });
        }
        let name = core::str::from_utf8(name_bytes).map_err(|_| Error::BadName { offset })?;
        let data_start = align4(name_start + namesize);
        let data = self.data.get(data_start..data_start + filesize).ok_or(Error::Truncated { offset })?;
        self.offset = align4(data_start + filesize);
        if name == TRAILER {
            return Ok(None);
        }
        let name = name.trim_start_matches("./").trim_start_matches('/');
        let name = if name == "." { "" } else { name };
        Ok(Some(Entry { name, mode, uid, gid, nlink, mtime, rdev_major, rdev_minor, data }))
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.parse() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn member(out: &mut Vec<u8>, name: &str, mode: u32, data: &[u8]) {
        let header = std::format!(
            "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            1,
            mode,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            5,
            1,
            name.len() + 1,
            0
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        out.extend_from_slice(data);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }

    fn archive() -> Vec<u8> {
        let mut a = Vec::new();
        member(&mut a, ".", S_IFDIR | 0o755, b"");
        member(&mut a, "bin", S_IFDIR | 0o755, b"");
        member(&mut a, "bin/sh", S_IFLNK | 0o777, b"busybox");
        member(&mut a, "./init", S_IFREG | 0o755, b"#!/bin/sh\necho hi\n");
        member(&mut a, "dev/console", S_IFCHR | 0o600, b"");
        member(&mut a, TRAILER, 0, b"");
        a
    }

    #[test]
    fn reads_every_member_in_order() {
        let a = archive();
        let all: Vec<Entry> = entries(&a).collect::<Result<_, _>>().unwrap();
        let names: Vec<&str> = all.iter().map(|e| e.name).collect();
        assert_eq!(names, ["", "bin", "bin/sh", "init", "dev/console"]);
        assert_eq!(all[2].file_type(), S_IFLNK);
        assert_eq!(all[2].data, b"busybox");
        assert_eq!(all[3].data, b"#!/bin/sh\necho hi\n");
        assert_eq!(all[3].permissions(), 0o755);
        assert_eq!((all[4].rdev_major, all[4].rdev_minor), (5, 1));
    }

    #[test]
    fn truncated_archive_is_an_error_not_a_panic() {
        let a = archive();
        for cut in [0, 5, 50, 115, a.len() - 120] {
            let r: Result<Vec<Entry>, Error> = entries(&a[..cut]).collect();
            assert!(r.is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn bad_magic_and_bad_hex_are_reported() {
        let mut a = archive();
        a[0] = b'x';
        assert_eq!(entries(&a).next(), Some(Err(Error::BadMagic { offset: 0 })));
        let mut b = archive();
        b[15] = b'z';
        assert_eq!(entries(&b).next(), Some(Err(Error::BadField { offset: 0 })));
        let _ = String::new();
    }
}
