//! Unix credentials and discretionary access control, as Linux's
//! `generic_permission`, `may_delete` (sticky directories) and the
//! set*id(2) rules decide them. Pure logic: the kernel supplies the
//! inode's mode and owner and the process's credentials.
#![no_std]
#![forbid(unsafe_code)]

mod setid;

pub use setid::{setid, setre, setres, SetError};

/// Read, write and execute/search, as in access(2)'s `R_OK`/`W_OK`/`X_OK`.
pub const MAY_READ: u32 = 4;
pub const MAY_WRITE: u32 = 2;
pub const MAY_EXEC: u32 = 1;

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_ISVTX: u32 = 0o1000;

/// Most supplementary groups kept (Linux allows 65536; setgroups(2) with
/// more returns EINVAL here).
pub const NGROUPS_MAX: usize = 32;

/// A process's credentials: real, effective and saved user and group ids,
/// and the supplementary groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Creds {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    groups: [u32; NGROUPS_MAX],
    ngroups: usize,
}

impl Creds {
    /// Everything 0, no supplementary groups: init's credentials.
    pub const ROOT: Creds =
        Creds { uid: 0, euid: 0, suid: 0, gid: 0, egid: 0, sgid: 0, groups: [0; NGROUPS_MAX], ngroups: 0 };

    pub fn groups(&self) -> &[u32] {
        &self.groups[..self.ngroups]
    }

    /// Replaces the supplementary groups (kept sorted); false (nothing changed) if there
    /// are more than `NGROUPS_MAX`.
    pub fn set_groups(&mut self, groups: &[u32]) -> bool {
        if groups.len() > NGROUPS_MAX {
            return false;
        }
        self.groups[..groups.len()].copy_from_slice(groups);
        self.ngroups = groups.len();
        // Linux keeps them sorted (`groups_sort`): getgroups returns them so.
        self.groups[..groups.len()].sort_unstable();
        true
    }

    /// The same credentials with the real ids in the effective ones' place:
    /// what access(2) checks with.
    pub fn as_real(&self) -> Creds {
        Creds { euid: self.uid, egid: self.gid, ..*self }
    }

    /// Whether `gid` is the effective group or a supplementary one.
    pub fn in_group(&self, gid: u32) -> bool {
        self.egid == gid || self.groups().contains(&gid)
    }

    pub fn is_root(&self) -> bool {
        self.euid == 0
    }

    /// May this process change the mode or times of a file owned by `uid`
    /// (chmod(2): the owner or root; EPERM otherwise).
    pub fn owns(&self, uid: u32) -> bool {
        self.euid == 0 || self.euid == uid
    }
}

/// Linux `generic_permission`: may `c` do `want` (`MAY_*` bits) to an
/// inode with `mode`, `uid`, `gid`? The owner class is chosen by uid, then
/// group (effective or supplementary), then other: only that class's bits
/// count. Root may read and write anything and search any directory, and
/// may execute a non-directory only if some x bit is set.
pub fn permitted(c: &Creds, mode: u32, uid: u32, gid: u32, want: u32) -> bool {
    let want = want & 7;
    let bits = if c.euid == uid {
        mode >> 6
    } else if c.in_group(gid) {
        mode >> 3
    } else {
        mode
    } & 7;
    if bits & want == want {
        return true;
    }
    if c.euid != 0 {
        return false;
    }
    if want & MAY_EXEC == 0 || mode & S_IFMT == S_IFDIR {
        return true;
    }
    mode & 0o111 != 0
}

/// The sticky-directory rule of `may_delete`/`may_rename`: in a directory
/// with the sticky bit (like /tmp) only the file's owner, the directory's
/// owner or root may remove or rename an entry. (Write and search
/// permission on the directory is checked separately.)
pub fn sticky_allows(c: &Creds, dir_mode: u32, dir_uid: u32, file_uid: u32) -> bool {
    dir_mode & S_ISVTX == 0 || c.euid == 0 || c.euid == file_uid || c.euid == dir_uid
}

/// Linux's `kill_ok_by_cred`: may `sender` signal `target`? Root, or the
/// sender's real or effective uid is the target's real or saved uid.
/// (SIGCONT within a session is allowed regardless: the caller's rule.)
pub fn may_signal(sender: &Creds, target: &Creds) -> bool {
    sender.euid == 0 || [sender.uid, sender.euid].iter().any(|&u| u == target.uid || u == target.suid)
}

/// Linux's `check_same_owner` (sched_setaffinity, sched_setparam...):
/// may `caller` change `target`'s scheduling? Root (CAP_SYS_NICE), or the
/// caller's effective uid is the target's real or effective uid.
pub fn may_set_scheduling(caller: &Creds, target: &Creds) -> bool {
    caller.euid == 0 || caller.euid == target.euid || caller.euid == target.uid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduling_needs_the_effective_uid_to_match() {
        let (u, v) = (user(1000, 1000), user(1001, 1001));
        assert!(may_set_scheduling(&u, &u));
        assert!(!may_set_scheduling(&u, &v));
        assert!(may_set_scheduling(&Creds::ROOT, &v));
        assert!(!may_set_scheduling(&u, &Creds::ROOT));
    }

    #[test]
    fn signalling_needs_a_uid_match() {
        let (u, v) = (user(1000, 1000), user(1001, 1001));
        assert!(may_signal(&u, &u));
        assert!(!may_signal(&u, &v));
        assert!(!may_signal(&u, &Creds::ROOT));
        assert!(may_signal(&Creds::ROOT, &u));
        // A set-user-ID-like target whose saved uid is the sender's.
        let w = Creds { euid: 0, ..u };
        assert!(may_signal(&u, &w));
    }

    fn user(uid: u32, gid: u32) -> Creds {
        Creds { uid, euid: uid, suid: uid, gid, egid: gid, sgid: gid, ..Creds::ROOT }
    }

    const FILE: u32 = 0o100000;

    #[test]
    fn owner_group_other_classes() {
        let u = user(1000, 1000);
        // Other bits of a root 0644 file: read yes, write no.
        assert!(permitted(&u, FILE | 0o644, 0, 0, MAY_READ));
        assert!(!permitted(&u, FILE | 0o644, 0, 0, MAY_WRITE));
        assert!(permitted(&u, FILE | 0o666, 0, 0, MAY_READ | MAY_WRITE));
        // The owner class decides even when "other" would allow more.
        assert!(!permitted(&u, FILE | 0o077, 1000, 0, MAY_READ));
        // Group class by the effective gid or a supplementary group.
        assert!(permitted(&u, FILE | 0o060, 0, 1000, MAY_READ | MAY_WRITE));
        let mut g = user(1000, 1000);
        assert!(g.set_groups(&[10, 20]));
        assert!(permitted(&g, FILE | 0o040, 0, 20, MAY_READ));
        assert!(!permitted(&g, FILE | 0o040, 0, 30, MAY_READ));
    }

    #[test]
    fn root_overrides_but_needs_an_x_bit_to_exec() {
        let r = Creds::ROOT;
        assert!(permitted(&r, FILE, 1000, 1000, MAY_READ | MAY_WRITE));
        assert!(!permitted(&r, FILE | 0o644, 1000, 1000, MAY_EXEC));
        assert!(permitted(&r, FILE | 0o001, 1000, 1000, MAY_EXEC));
        assert!(permitted(&r, S_IFDIR, 1000, 1000, MAY_EXEC | MAY_WRITE));
    }

    #[test]
    fn real_ids_for_access() {
        let c = Creds { euid: 0, ..user(1000, 1000) };
        assert!(permitted(&c, FILE | 0o600, 0, 0, MAY_READ));
        assert!(!permitted(&c.as_real(), FILE | 0o600, 0, 0, MAY_READ));
    }

    #[test]
    fn sticky_directories() {
        let u = user(1000, 1000);
        assert!(sticky_allows(&u, S_IFDIR | 0o777, 0, 0));
        assert!(!sticky_allows(&u, S_IFDIR | 0o1777, 0, 0));
        assert!(sticky_allows(&u, S_IFDIR | 0o1777, 0, 1000));
        assert!(sticky_allows(&u, S_IFDIR | 0o1777, 1000, 0));
        assert!(sticky_allows(&Creds::ROOT, S_IFDIR | 0o1777, 5, 6));
    }

    #[test]
    fn groups_are_bounded() {
        let mut c = Creds::ROOT;
        assert!(!c.set_groups(&[0; NGROUPS_MAX + 1]));
        assert!(c.set_groups(&[3, 1, 2]));
        assert_eq!(c.groups(), &[1, 2, 3]);
    }
}
