//! `/proc/<pid>/maps` and the memory totals of status and stat, from
//! the process's page table (what is mapped, with which access) and its
//! executable image (which pages come from which file offset), the brk
//! heap and the stack.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use crate::mm::page_table::{Region, PAGE_SIZE};
use crate::process::{exec, with_pid, Process};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Pages of the executable file, at this file offset.
    File(u64),
    Heap,
    Stack,
    Anonymous,
}

/// One line of /proc/<pid>/maps.
struct Mapping {
    start: u64,
    end: u64,
    region: Region,
    kind: Kind,
}

impl Mapping {
    fn len(&self) -> u64 {
        self.end - self.start
    }
}

/// Calls `f` for each mapping of `p` as Linux would list its VMAs: runs of
/// equal access from the page table, cut where the executable's segments,
/// the brk heap and the stack begin and end.
fn for_each_mapping(p: &Process, f: &mut dyn FnMut(&Mapping)) {
    let Some(space) = p.space.as_ref() else { return };
    // Labelled address ranges: (start, end, kind); a few per process.
    let mut labels: Vec<(u64, u64, Kind)> = Vec::new();
    if let Some(image) = &p.image {
        for s in &image.segments {
            labels.push((s.start, s.file_end, Kind::File(s.offset)));
        }
    }
    let heap_start = p.brk_start / PAGE_SIZE * PAGE_SIZE;
    labels.push((heap_start, p.brk.div_ceil(PAGE_SIZE) * PAGE_SIZE, Kind::Heap));
    labels.retain(|(start, end, _)| start < end);
    space.for_each_region(&mut |region| {
        if region.end == p.image.as_ref().map_or(exec::STACK_TOP, |i| i.stack_top) {
            f(&Mapping { start: region.start, end: region.end, region, kind: Kind::Stack });
            return;
        }
        let mut at = region.start;
        while at < region.end {
            let (end, kind) = match labels.iter().find(|(s, e, _)| *s <= at && at < *e) {
                Some(&(s, e, Kind::File(offset))) => (e, Kind::File(offset + (at - s))),
                Some(&(_, e, kind)) => (e, kind),
                None => {
                    let next = labels.iter().map(|l| l.0).filter(|&s| s > at).min();
                    (next.unwrap_or(u64::MAX), Kind::Anonymous)
                }
            };
            let end = end.min(region.end);
            f(&Mapping { start: at, end, region, kind });
            at = end;
        }
    });
}

/// Longest maps line (Linux pads names to column 73; paths are at most PATH_MAX).
const MAPS_LINE_MAX: usize = 80 + kernel_path::PATH_MAX;

/// `/proc/<pid>/maps`. A process can have more mappings than the kernel
/// heap can describe at once: the list then stops early (the read
/// succeeds, shorter) instead of exhausting the heap.
pub fn maps(pid: u32) -> String {
    with_pid(pid, |p| {
        let mut s = String::new();
        let image = p.image.as_deref();
        let mut full = false;
        for_each_mapping(p, &mut |m| {
            if full || (s.capacity() - s.len() < MAPS_LINE_MAX && !reserve(&mut s)) {
                full = true;
                return;
            }
            let r = &m.region;
            let (offset, dev, ino) = match (m.kind, image) {
                (Kind::File(offset), Some(i)) => (offset, i.dev, i.ino),
                _ => (0, 0, 0),
            };
            let line_start = s.len();
            let _ = write!(
                s,
                "{:08x}-{:08x} {}{}{}{} {offset:08x} {:02x}:{:02x} {ino} ",
                m.start,
                m.end,
                if r.read { 'r' } else { '-' },
                if r.write { 'w' } else { '-' },
                if r.exec { 'x' } else { '-' },
                if r.shared { 's' } else { 'p' },
                (dev >> 8) & 0xfff,
                (dev & 0xff) | ((dev >> 12) & 0xfff00),
            );
            let name = match (m.kind, image) {
                (Kind::File(_), Some(i)) => Some(i.path.as_str()),
                (Kind::Heap, _) => Some("[heap]"),
                (Kind::Stack, _) => Some("[stack]"),
                _ => None,
            };
            if let Some(name) = name {
                // Linux pads the name to column 73.
                while s.len() - line_start < 72 {
                    s.push(' ');
                }
                s.push_str(name);
            }
            s.push('\n');
        });
        s
    })
    .unwrap_or_default()
}

/// Grows `s` (doubling) while the kernel heap keeps its reserve; false when it cannot.
fn reserve(s: &mut String) -> bool {
    let more = s.capacity().max(4096);
    crate::mm::heap::has_room(more.saturating_mul(2)) && s.try_reserve(more).is_ok()
}

/// Memory totals in bytes, from the same mappings as maps.
#[derive(Default)]
pub struct Usage {
    pub size: u64,
    pub resident: u64,
    pub data: u64,
    pub stack: u64,
    pub exe: u64,
    /// Start and end of the text and of the file-backed data (stat's
    /// start_code/end_code, start_data/end_data).
    pub code: (u64, u64),
    pub data_range: (u64, u64),
}

pub fn usage(p: &Process) -> Usage {
    let mut u = Usage::default();
    for_each_mapping(p, &mut |m| {
        u.size += m.len();
        match m.kind {
            Kind::Stack => u.stack += m.len(),
            Kind::File(_) if m.region.exec => {
                u.exe += m.len();
                if u.code.0 == 0 {
                    u.code = (m.start, m.end);
                }
            }
            _ if m.region.write && !m.region.shared => {
                u.data += m.len();
                if matches!(m.kind, Kind::File(_)) && u.data_range.0 == 0 {
                    u.data_range = (m.start, m.end);
                }
            }
            _ => {}
        }
    });
    u.resident = p.space.as_ref().map_or(0, |s| s.mapped_pages() as u64 * PAGE_SIZE);
    u
}
