//! POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW) of one file: byte
//! ranges held for reading (shared) or writing (exclusive) by an owner
//! (a process). Setting a lock replaces the owner's own locks over the
//! range, splitting them as Linux's `posix_lock_inode` does; locks of
//! different owners conflict when they overlap and one is a write lock.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec::Vec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Write,
}

/// One held range, `start..end` (`end` exclusive; `u64::MAX`: to the end
/// of the file, however it grows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    pub owner: u32,
    pub kind: Kind,
    pub start: u64,
    pub end: u64,
}

/// The locks of one file.
#[derive(Debug, Clone, Default)]
pub struct Locks {
    held: Vec<Lock>,
}

impl Locks {
    /// A lock of another owner that keeps `owner` from taking `kind` over
    /// `start..end`.
    pub fn conflict(&self, owner: u32, kind: Kind, start: u64, end: u64) -> Option<Lock> {
        self.held
            .iter()
            .find(|l| {
                l.owner != owner && l.start < end && start < l.end && (kind == Kind::Write || l.kind == Kind::Write)
            })
            .copied()
    }

    /// How many ranges are held (a `set` adds at most two): lets the
    /// caller bound memory before changing anything.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Gives `owner` `kind` over `start..end` (None: unlocks it), replacing
    /// what it held there. Conflicts are the caller's to check first.
    pub fn set(&mut self, owner: u32, kind: Option<Kind>, start: u64, end: u64) {
        let mut kept = Vec::with_capacity(self.held.len() + 2);
        for l in self.held.drain(..) {
            if l.owner != owner || l.end <= start || end <= l.start {
                kept.push(l);
                continue;
            }
            if l.start < start {
                kept.push(Lock { end: start, ..l });
            }
            if end < l.end {
                kept.push(Lock { start: end, ..l });
            }
        }
        if let Some(kind) = kind {
            kept.push(Lock { owner, kind, start, end });
        }
        kept.sort_by_key(|l| (l.start, l.owner));
        self.held = kept;
    }

    /// Drops every lock of `owner` (its close of the file, or its exit).
    pub fn release(&mut self, owner: u32) {
        self.held.retain(|l| l.owner != owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_locks_share_write_locks_exclude() {
        let mut l = Locks::default();
        l.set(1, Some(Kind::Read), 0, u64::MAX);
        assert_eq!(l.conflict(2, Kind::Read, 0, 10), None);
        assert_eq!(l.conflict(2, Kind::Write, 5, 6).map(|c| c.owner), Some(1));
        // An owner never conflicts with itself.
        assert_eq!(l.conflict(1, Kind::Write, 0, 10), None);
        l.release(1);
        assert!(l.is_empty());
    }

    #[test]
    fn unlocking_the_middle_splits() {
        let mut l = Locks::default();
        l.set(1, Some(Kind::Write), 0, 100);
        l.set(1, None, 40, 60);
        assert_eq!(l.len(), 2);
        assert_eq!(l.conflict(2, Kind::Write, 40, 60), None);
        assert!(l.conflict(2, Kind::Read, 30, 41).is_some());
        assert!(l.conflict(2, Kind::Read, 59, 61).is_some());
    }

    #[test]
    fn relocking_changes_the_kind_of_the_range() {
        let mut l = Locks::default();
        l.set(1, Some(Kind::Write), 0, 100);
        l.set(1, Some(Kind::Read), 0, 50);
        assert_eq!(l.conflict(2, Kind::Read, 0, 50), None);
        assert!(l.conflict(2, Kind::Read, 50, 51).is_some());
        assert!(l.conflict(2, Kind::Write, 10, 11).is_some());
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn other_owners_are_untouched() {
        let mut l = Locks::default();
        l.set(1, Some(Kind::Read), 0, 10);
        l.set(2, Some(Kind::Read), 0, 10);
        l.set(1, None, 0, 10);
        assert!(l.conflict(3, Kind::Write, 0, 1).is_some_and(|c| c.owner == 2));
    }
}
