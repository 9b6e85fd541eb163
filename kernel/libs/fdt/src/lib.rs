//! A minimal flattened-device-tree (DTB) reader: walks the structure block
//! and answers what the kernel asks at boot (memory ranges, `reg` of a
//! compatible device, `/chosen` properties). Borrowing, allocation-free,
//! no unsafe; malformed blobs give `None`/errors, never panics.
#![no_std]
#![forbid(unsafe_code)]

const MAGIC: u32 = 0xd00d_feed;
const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    BadMagic,
    Truncated,
    BadStructure,
}

/// A parsed header over the blob.
#[derive(Clone, Copy)]
pub struct Fdt<'a> {
    blob: &'a [u8],
    structs: &'a [u8],
    strings: &'a [u8],
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The total size a blob's header claims, for callers that must bound the
/// blob before they have a slice of it.
pub fn total_size(header: &[u8]) -> Result<usize, Error> {
    if be32(header, 0).ok_or(Error::Truncated)? != MAGIC {
        return Err(Error::BadMagic);
    }
    Ok(be32(header, 4).ok_or(Error::Truncated)? as usize)
}

/// One property of a node, as the walk sees it.
#[derive(Debug, Clone, Copy)]
pub struct Property<'a> {
    /// Full path of the node, without the leading `/` for the root (`""`).
    pub depth: usize,
    pub node: &'a str,
    pub name: &'a str,
    pub value: &'a [u8],
}

impl<'a> Fdt<'a> {
    pub fn new(blob: &'a [u8]) -> Result<Fdt<'a>, Error> {
        let size = total_size(blob)?;
        let blob = blob.get(..size).ok_or(Error::Truncated)?;
        let off_struct = be32(blob, 8).ok_or(Error::Truncated)? as usize;
        let off_strings = be32(blob, 12).ok_or(Error::Truncated)? as usize;
        let size_strings = be32(blob, 32).ok_or(Error::Truncated)? as usize;
        let size_struct = be32(blob, 36).ok_or(Error::Truncated)? as usize;
        let structs = blob.get(off_struct..off_struct + size_struct).ok_or(Error::Truncated)?;
        let strings = blob.get(off_strings..off_strings + size_strings).ok_or(Error::Truncated)?;
        Ok(Fdt { blob, structs, strings })
    }

    pub fn size(&self) -> usize {
        self.blob.len()
    }

    /// Calls `f` for every property in document order, with the name of the
    /// node that holds it (its last path component, unit address included).
    pub fn for_each_property(&self, mut f: impl FnMut(Property<'a>)) -> Result<(), Error> {
        let s = self.structs;
        let mut at = 0;
        let mut depth = 0usize;
        // Node names by depth (enough for QEMU's trees).
        let mut names: [&'a str; 16] = [""; 16];
        loop {
            let token = be32(s, at).ok_or(Error::Truncated)?;
            at += 4;
            match token {
                FDT_BEGIN_NODE => {
                    let rest = s.get(at..).ok_or(Error::Truncated)?;
                    let len = rest.iter().position(|&b| b == 0).ok_or(Error::BadStructure)?;
                    let name = core::str::from_utf8(&rest[..len]).map_err(|_| Error::BadStructure)?;
                    depth += 1;
                    if depth < names.len() {
                        names[depth] = name;
                    }
                    at = (at + len + 1 + 3) & !3;
                }
                FDT_END_NODE => depth = depth.checked_sub(1).ok_or(Error::BadStructure)?,
                FDT_PROP => {
                    let len = be32(s, at).ok_or(Error::Truncated)? as usize;
                    let name_off = be32(s, at + 4).ok_or(Error::Truncated)? as usize;
                    at += 8;
                    let value = s.get(at..at + len).ok_or(Error::Truncated)?;
                    at = (at + len + 3) & !3;
                    let rest = self.strings.get(name_off..).ok_or(Error::Truncated)?;
                    let nlen = rest.iter().position(|&b| b == 0).ok_or(Error::BadStructure)?;
                    let name = core::str::from_utf8(&rest[..nlen]).map_err(|_| Error::BadStructure)?;
                    let node = names[depth.min(names.len() - 1)];
                    f(Property { depth, node, name, value });
                }
                FDT_NOP => {}
                FDT_END => return Ok(()),
                _ => return Err(Error::BadStructure),
            }
        }
    }

    /// `(base, size)` pairs of every `device_type = "memory"` node's `reg`
    /// (QEMU virt: `#address-cells = #size-cells = 2`), up to `out.len()`.
    pub fn memory(&self, out: &mut [(u64, u64)]) -> Result<usize, Error> {
        let mut n = 0;
        self.for_each_property(|p| {
            if p.name == "reg" && p.node.split('@').next() == Some("memory") {
                for pair in p.value.chunks_exact(16) {
                    if n < out.len() {
                        out[n] = (be64(&pair[..8]), be64(&pair[8..]));
                        n += 1;
                    }
                }
            }
        })?;
        Ok(n)
    }

    /// The first `reg` (`base`, `size`) of the first node whose `compatible`
    /// list contains `compatible` (cells of 2, as on QEMU virt).
    pub fn reg_of_compatible(&self, compatible: &str) -> Result<Option<(u64, u64)>, Error> {
        // Properties arrive per node: remember the node's reg and whether it matched.
        let mut found: Option<(u64, u64)> = None;
        let mut cur_node: &str = "";
        let mut cur_depth = 0;
        let mut cur_reg: Option<(u64, u64)> = None;
        let mut cur_match = false;
        self.for_each_property(|p| {
            if found.is_some() {
                return;
            }
            if p.node != cur_node || p.depth != cur_depth {
                cur_node = p.node;
                cur_depth = p.depth;
                cur_reg = None;
                cur_match = false;
            }
            if p.name == "reg" && p.value.len() >= 16 {
                cur_reg = Some((be64(&p.value[..8]), be64(&p.value[8..16])));
            }
            if p.name == "compatible" && p.value.split(|&b| b == 0).any(|c| c == compatible.as_bytes()) {
                cur_match = true;
            }
            if cur_match {
                found = cur_reg;
            }
        })?;
        Ok(found)
    }

    /// Every `reg` pair (cells of 2) of the first node whose `compatible`
    /// contains `compatible`, up to `out.len()`; GICv3 has distributor then
    /// redistributor.
    pub fn regs_of_compatible(&self, compatible: &str, out: &mut [(u64, u64)]) -> Result<usize, Error> {
        let mut n = 0;
        let mut cur: (&str, usize) = ("", 0);
        let mut reg: &[u8] = &[];
        let mut matched = false;
        let mut done = false;
        self.for_each_property(|p| {
            if done {
                return;
            }
            if (p.node, p.depth) != cur {
                cur = (p.node, p.depth);
                reg = &[];
                matched = false;
            }
            if p.name == "reg" {
                reg = p.value;
            }
            if p.name == "compatible" && p.value.split(|&b| b == 0).any(|c| c == compatible.as_bytes()) {
                matched = true;
            }
            if matched && !reg.is_empty() {
                for pair in reg.chunks_exact(16) {
                    if n < out.len() {
                        out[n] = (be64(&pair[..8]), be64(&pair[8..]));
                        n += 1;
                    }
                }
                done = true;
            }
        })?;
        Ok(n)
    }

    /// Calls `f` once for every node whose `compatible` contains
    /// `compatible`, with its first `reg` pair (cells of 2) and its first
    /// interrupt (three GIC cells: type, number, flags), in document order.
    /// QEMU virt's 32 `virtio,mmio` transports are found this way; which of
    /// them hold a device is for the driver to ask the device.
    pub fn for_each_compatible(&self, compatible: &str, mut f: impl FnMut(Node)) -> Result<(), Error> {
        let mut cur: (&str, usize) = ("", 0);
        let mut node = Node::default();
        let mut matched = false;
        let mut emit = |node: &Node, matched: bool| {
            if matched && node.reg.is_some() {
                f(*node);
            }
        };
        self.for_each_property(|p| {
            if (p.node, p.depth) != cur {
                emit(&node, matched);
                cur = (p.node, p.depth);
                node = Node::default();
                matched = false;
            }
            if p.name == "reg" && p.value.len() >= 16 {
                node.reg = Some((be64(&p.value[..8]), be64(&p.value[8..16])));
            }
            if p.name == "interrupts" && p.value.len() >= 12 {
                node.interrupt = Some(GicInterrupt {
                    kind: be32(p.value, 0).unwrap_or(0),
                    number: be32(p.value, 4).unwrap_or(0),
                    flags: be32(p.value, 8).unwrap_or(0),
                });
            }
            if p.name == "compatible" && p.value.split(|&b| b == 0).any(|c| c == compatible.as_bytes()) {
                matched = true;
            }
        })?;
        emit(&node, matched);
        Ok(())
    }

    /// The value of property `name` of the node called `node` (e.g. `chosen`).
    pub fn property(&self, node: &str, name: &str) -> Result<Option<&'a [u8]>, Error> {
        let mut found = None;
        self.for_each_property(|p| {
            if found.is_none() && p.node == node && p.name == name {
                found = Some(p.value);
            }
        })?;
        Ok(found)
    }
}

/// A device node as `for_each_compatible` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Node {
    /// The first `reg` pair: (physical base, size).
    pub reg: Option<(u64, u64)>,
    pub interrupt: Option<GicInterrupt>,
}

/// An `interrupts` specifier for the GIC (`#interrupt-cells = 3`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GicInterrupt {
    /// 0 = SPI, 1 = PPI.
    pub kind: u32,
    pub number: u32,
    /// Linux IRQ_TYPE_*: 1 = rising edge, 4 = level high.
    pub flags: u32,
}

impl GicInterrupt {
    /// The GIC interrupt ID (SPIs from 32, PPIs from 16); None for an
    /// unknown kind.
    pub fn intid(&self) -> Option<u32> {
        match self.kind {
            0 => self.number.checked_add(32),
            1 => self.number.checked_add(16),
            _ => None,
        }
    }

    pub fn edge(&self) -> bool {
        self.flags & 3 != 0
    }
}

/// A big-endian integer of 4 or 8 bytes (`linux,initrd-start` comes in both).
pub fn be_cells(value: &[u8]) -> Option<u64> {
    match value.len() {
        4 => be32(value, 0).map(u64::from),
        8 => Some(be64(value)),
        _ => None,
    }
}

fn be64(b: &[u8]) -> u64 {
    let mut v = 0u64;
    for &x in &b[..8] {
        v = (v << 8) | u64::from(x);
    }
    v
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// Builds a blob: root { memory@40000000 { device_type, reg }, chosen { initrd }, pl011@9000000 { compatible, reg } }.
    fn blob() -> Vec<u8> {
        let mut strings: Vec<u8> = Vec::new();
        let off = |s: &str, strings: &mut Vec<u8>| {
            let o = strings.len() as u32;
            strings.extend_from_slice(s.as_bytes());
            strings.push(0);
            o
        };
        let dt = off("device_type", &mut strings);
        let reg = off("reg", &mut strings);
        let compat = off("compatible", &mut strings);
        let initrd = off("linux,initrd-start", &mut strings);
        let mut st: Vec<u8> = Vec::new();
        let tok = |st: &mut Vec<u8>, t: u32| st.extend_from_slice(&t.to_be_bytes());
        let node = |st: &mut Vec<u8>, name: &str| {
            st.extend_from_slice(&FDT_BEGIN_NODE.to_be_bytes());
            st.extend_from_slice(name.as_bytes());
            st.push(0);
            while !st.len().is_multiple_of(4) {
                st.push(0);
            }
        };
        let prop = |st: &mut Vec<u8>, name: u32, v: &[u8]| {
            st.extend_from_slice(&FDT_PROP.to_be_bytes());
            st.extend_from_slice(&(v.len() as u32).to_be_bytes());
            st.extend_from_slice(&name.to_be_bytes());
            st.extend_from_slice(v);
            while !st.len().is_multiple_of(4) {
                st.push(0);
            }
        };
        let reg_val = |base: u64, size: u64| {
            let mut v = Vec::new();
            v.extend_from_slice(&base.to_be_bytes());
            v.extend_from_slice(&size.to_be_bytes());
            v
        };
        node(&mut st, "");
        node(&mut st, "memory@40000000");
        prop(&mut st, dt, b"memory\0");
        prop(&mut st, reg, &reg_val(0x4000_0000, 0x800_0000));
        tok(&mut st, FDT_END_NODE);
        node(&mut st, "chosen");
        prop(&mut st, initrd, &0x4800_0000u32.to_be_bytes());
        tok(&mut st, FDT_END_NODE);
        let irq = off("interrupts", &mut strings);
        for (base, spi) in [(0xa00_0000u64, 16u32), (0xa00_0200, 17)] {
            node(&mut st, &std::format!("virtio_mmio@{base:x}"));
            let mut cells = Vec::new();
            for c in [0u32, spi, 1] {
                cells.extend_from_slice(&c.to_be_bytes());
            }
            prop(&mut st, irq, &cells);
            prop(&mut st, reg, &reg_val(base, 0x200));
            prop(&mut st, compat, b"virtio,mmio\0");
            tok(&mut st, FDT_END_NODE);
        }
        node(&mut st, "pl011@9000000");
        prop(&mut st, reg, &reg_val(0x900_0000, 0x1000));
        prop(&mut st, compat, b"arm,pl011\0arm,primecell\0");
        tok(&mut st, FDT_END_NODE);
        tok(&mut st, FDT_END_NODE);
        tok(&mut st, FDT_END);
        let off_struct = 40u32;
        let off_strings = off_struct + st.len() as u32;
        let total = off_strings + strings.len() as u32;
        let mut b = Vec::new();
        for v in [MAGIC, total, off_struct, off_strings, 0, 17, 16, 0, strings.len() as u32, st.len() as u32] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&st);
        b.extend_from_slice(&strings);
        b
    }

    #[test]
    fn lists_every_compatible_node_with_its_interrupt() {
        let b = blob();
        let fdt = Fdt::new(&b).unwrap();
        let mut found = Vec::new();
        fdt.for_each_compatible("virtio,mmio", |n| found.push(n)).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].reg, Some((0xa00_0200, 0x200)));
        let irq = found[1].interrupt.unwrap();
        assert_eq!((irq.intid(), irq.edge()), (Some(49), true));
        let mut pl011 = Vec::new();
        fdt.for_each_compatible("arm,pl011", |n| pl011.push(n)).unwrap();
        assert_eq!(pl011, [Node { reg: Some((0x900_0000, 0x1000)), interrupt: None }]);
    }

    #[test]
    fn finds_memory_devices_and_chosen() {
        let b = blob();
        let fdt = Fdt::new(&b).unwrap();
        let mut mem = [(0, 0); 4];
        assert_eq!(fdt.memory(&mut mem).unwrap(), 1);
        assert_eq!(mem[0], (0x4000_0000, 0x800_0000));
        assert_eq!(fdt.reg_of_compatible("arm,primecell").unwrap(), Some((0x900_0000, 0x1000)));
        assert_eq!(fdt.reg_of_compatible("virtio,mmio").unwrap(), Some((0xa00_0000, 0x200)));
        assert_eq!(fdt.reg_of_compatible("virtio,pci").unwrap(), None);
        let mut regs = [(0, 0); 2];
        assert_eq!(fdt.regs_of_compatible("arm,pl011", &mut regs).unwrap(), 1);
        assert_eq!(regs[0], (0x900_0000, 0x1000));
        let v = fdt.property("chosen", "linux,initrd-start").unwrap().unwrap();
        assert_eq!(be_cells(v), Some(0x4800_0000));
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(Fdt::new(&[0u8; 8]).err(), Some(Error::BadMagic));
        let b = blob();
        assert!(Fdt::new(&b[..b.len() - 4]).is_err());
        let mut c = b.clone();
        c[43] = 0x77; // low byte of the first token
        assert!(Fdt::new(&c).unwrap().for_each_property(|_| {}).is_err());
    }
}
