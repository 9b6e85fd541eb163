//! Read-only views of an address space: runs of mapped user pages with
//! the same access (what /proc/<pid>/maps lists). No `unsafe` here: the
//! walk is `walk_leaves` of the parent module.

use super::{walk_leaves, AddressSpace, AP_EL0, AP_RO, COW, PAGE_SIZE, SHARED, UXN};

/// A run of consecutive mapped user pages with the same access, as
/// `/proc/<pid>/maps` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    pub read: bool,
    /// Writable, copy-on-write pages included.
    pub write: bool,
    pub exec: bool,
    /// MAP_SHARED.
    pub shared: bool,
}

impl AddressSpace {
    /// Calls `f` for each run of mapped user pages of equal access, in
    /// address order (no allocation: a process may have very many).
    pub fn for_each_region(&self, f: &mut dyn FnMut(Region)) {
        let mut run: Option<Region> = None;
        walk_leaves(self.root.pa(), 1, 0, &mut |va, desc| {
            let r = Region {
                start: va,
                end: va + PAGE_SIZE,
                read: desc & AP_EL0 != 0,
                write: desc & AP_EL0 != 0 && (desc & AP_RO == 0 || desc & COW != 0),
                exec: desc & AP_EL0 != 0 && desc & UXN == 0,
                shared: desc & SHARED != 0,
            };
            let access = |r: &Region| (r.read, r.write, r.exec, r.shared);
            match &mut run {
                Some(last) if last.end == va && access(last) == access(&r) => last.end = r.end,
                _ => {
                    if let Some(done) = run.replace(r) {
                        f(done);
                    }
                }
            }
        });
        if let Some(done) = run {
            f(done);
        }
    }
}
