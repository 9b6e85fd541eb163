//! ELF64 executable parsing for the kernel's loader: validates the header
//! (AArch64, little endian, ET_EXEC or ET_DYN, no interpreter) and yields the
//! PT_LOAD segments. Bounds are checked everywhere: a malformed file is an
//! `Error` (the kernel turns it into ENOEXEC), never a panic. No unsafe.
#![no_std]
#![forbid(unsafe_code)]

pub const PT_LOAD: u32 = 1;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
pub const EM_AARCH64: u16 = 183;
pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;

const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    NotElf,
    /// Not ELF64 little endian, not AArch64, or not an executable.
    Unsupported,
    /// Needs a dynamic loader (PT_INTERP): only static executables run.
    Dynamic,
    /// A header or segment points outside the file or overflows.
    Malformed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    /// File bytes: `offset..offset + filesz`.
    pub offset: u64,
    pub filesz: u64,
    pub flags: u32,
}

impl Segment {
    pub fn readable(&self) -> bool {
        self.flags & PF_R != 0
    }
    pub fn writable(&self) -> bool {
        self.flags & PF_W != 0
    }
    pub fn executable(&self) -> bool {
        self.flags & PF_X != 0
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Elf<'a> {
    data: &'a [u8],
    pub entry: u64,
    pub kind: u16,
    phoff: usize,
    pub phnum: u16,
    pub phentsize: u16,
}

fn u16_at(d: &[u8], at: usize) -> Result<u16, Error> {
    let b = d.get(at..at + 2).ok_or(Error::Malformed)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(d: &[u8], at: usize) -> Result<u32, Error> {
    let b = d.get(at..at + 4).ok_or(Error::Malformed)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(d: &[u8], at: usize) -> Result<u64, Error> {
    let b = d.get(at..at + 8).ok_or(Error::Malformed)?;
    let mut v = [0u8; 8];
    v.copy_from_slice(b);
    Ok(u64::from_le_bytes(v))
}

impl<'a> Elf<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Elf<'a>, Error> {
        if data.len() < 4 || &data[..4] != b"\x7fELF" {
            return Err(Error::NotElf);
        }
        if data.len() < EHDR_SIZE {
            return Err(Error::Malformed);
        }
        // ELFCLASS64, ELFDATA2LSB, EV_CURRENT.
        if data[4] != 2 || data[5] != 1 || data[6] != 1 {
            return Err(Error::Unsupported);
        }
        let kind = u16_at(data, 16)?;
        if (kind != ET_EXEC && kind != ET_DYN) || u16_at(data, 18)? != EM_AARCH64 {
            return Err(Error::Unsupported);
        }
        let elf = Elf {
            data,
            entry: u64_at(data, 24)?,
            kind,
            phoff: usize::try_from(u64_at(data, 32)?).map_err(|_| Error::Malformed)?,
            phentsize: u16_at(data, 54)?,
            phnum: u16_at(data, 56)?,
        };
        if elf.phentsize as usize != PHDR_SIZE || elf.phnum == 0 {
            return Err(Error::Malformed);
        }
        let table_end = elf.phoff.checked_add(PHDR_SIZE * elf.phnum as usize).ok_or(Error::Malformed)?;
        if table_end > data.len() {
            return Err(Error::Malformed);
        }
        for i in 0..elf.phnum as usize {
            let p = elf.phoff + i * PHDR_SIZE;
            match u32_at(data, p)? {
                PT_INTERP => return Err(Error::Dynamic),
                PT_LOAD => {
                    let s = elf.segment_at(p)?;
                    let file_end = s.offset.checked_add(s.filesz).ok_or(Error::Malformed)?;
                    if file_end > data.len() as u64 || s.filesz > s.memsz || s.vaddr.checked_add(s.memsz).is_none() {
                        return Err(Error::Malformed);
                    }
                }
                _ => {}
            }
        }
        Ok(elf)
    }

    fn segment_at(&self, p: usize) -> Result<Segment, Error> {
        Ok(Segment {
            flags: u32_at(self.data, p + 4)?,
            offset: u64_at(self.data, p + 8)?,
            vaddr: u64_at(self.data, p + 16)?,
            filesz: u64_at(self.data, p + 32)?,
            memsz: u64_at(self.data, p + 40)?,
        })
    }

    /// The PT_LOAD segments, in file order (validated by `parse`).
    pub fn segments(&self) -> impl Iterator<Item = Segment> + '_ {
        (0..self.phnum as usize).filter_map(move |i| {
            let p = self.phoff + i * PHDR_SIZE;
            (u32_at(self.data, p).ok()? == PT_LOAD).then(|| self.segment_at(p).ok()).flatten()
        })
    }

    /// The file bytes of `s`.
    pub fn segment_data(&self, s: &Segment) -> &'a [u8] {
        &self.data[s.offset as usize..(s.offset + s.filesz) as usize]
    }

    /// File offset of the program header table (for AT_PHDR: the loader
    /// finds the segment that contains it).
    pub fn phoff(&self) -> u64 {
        self.phoff as u64
    }

    /// The virtual address of the program headers, if a PT_LOAD maps them.
    pub fn phdr_vaddr(&self) -> Option<u64> {
        let off = self.phoff as u64;
        self.segments().find(|s| off >= s.offset && off < s.offset + s.filesz).map(|s| s.vaddr + (off - s.offset))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// A minimal static AArch64 executable: one RX segment with the headers
    /// and 8 bytes of code, one RW segment with bss.
    fn sample() -> Vec<u8> {
        let mut d = std::vec![0u8; 0x1000 + 16];
        d[..4].copy_from_slice(b"\x7fELF");
        d[4] = 2;
        d[5] = 1;
        d[6] = 1;
        d[16..18].copy_from_slice(&ET_EXEC.to_le_bytes());
        d[18..20].copy_from_slice(&EM_AARCH64.to_le_bytes());
        d[24..32].copy_from_slice(&0x40_0078u64.to_le_bytes());
        d[32..40].copy_from_slice(&64u64.to_le_bytes());
        d[54..56].copy_from_slice(&56u16.to_le_bytes());
        d[56..58].copy_from_slice(&2u16.to_le_bytes());
        let ph = |d: &mut Vec<u8>, at: usize, flags: u32, off: u64, va: u64, filesz: u64, memsz: u64| {
            d[at..at + 4].copy_from_slice(&PT_LOAD.to_le_bytes());
            d[at + 4..at + 8].copy_from_slice(&flags.to_le_bytes());
            d[at + 8..at + 16].copy_from_slice(&off.to_le_bytes());
            d[at + 16..at + 24].copy_from_slice(&va.to_le_bytes());
            d[at + 32..at + 40].copy_from_slice(&filesz.to_le_bytes());
            d[at + 40..at + 48].copy_from_slice(&memsz.to_le_bytes());
        };
        ph(&mut d, 64, PF_R | PF_X, 0, 0x40_0000, 0x80, 0x80);
        ph(&mut d, 120, PF_R | PF_W, 0x1000, 0x41_0000, 16, 0x2000);
        d
    }

    #[test]
    fn parses_segments_entry_and_phdr() {
        let d = sample();
        let elf = Elf::parse(&d).unwrap();
        assert_eq!(elf.entry, 0x40_0078);
        let segs: Vec<Segment> = elf.segments().collect();
        assert_eq!(segs.len(), 2);
        assert!(segs[0].executable() && !segs[0].writable());
        assert!(segs[1].writable() && segs[1].memsz == 0x2000);
        assert_eq!(elf.segment_data(&segs[1]).len(), 16);
        assert_eq!(elf.phdr_vaddr(), Some(0x40_0040));
    }

    #[test]
    fn rejects_bad_files_without_panicking() {
        assert_eq!(Elf::parse(b"#!/bin/sh\n").err(), Some(Error::NotElf));
        let d = sample();
        for cut in [4, 20, 63, 100, 150] {
            assert!(Elf::parse(&d[..cut]).is_err(), "cut {cut}");
        }
        let mut x86 = sample();
        x86[18..20].copy_from_slice(&62u16.to_le_bytes());
        assert_eq!(Elf::parse(&x86).err(), Some(Error::Unsupported));
        let mut big = sample();
        big[120 + 32..120 + 40].copy_from_slice(&0x10_0000u64.to_le_bytes()); // filesz past the end
        assert_eq!(Elf::parse(&big).err(), Some(Error::Malformed));
        let mut interp = sample();
        interp[120..124].copy_from_slice(&PT_INTERP.to_le_bytes());
        assert_eq!(Elf::parse(&interp).err(), Some(Error::Dynamic));
    }
}
