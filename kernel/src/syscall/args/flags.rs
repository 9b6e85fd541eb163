//! Flag words, one `bitflags` set per argument (Linux's values). Whether
//! unknown bits are EINVAL is each call's rule on Linux, applied by the
//! dispatcher through `Args::flags` (reject) or `Args::flags_truncate`
//! (ignore); `*at` calls share `AtFlags` and name the subset they accept
//! with `Args::at_flags`.

use bitflags::bitflags;
use kernel_abi::Errno;

use super::{Args, FromReg};

bitflags! {
    /// The `flags` of the `*at` calls (AT_*).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct AtFlags: u32 {
        const SYMLINK_NOFOLLOW = 0x100;
        const REMOVEDIR = 0x200;
        const SYMLINK_FOLLOW = 0x400;
        const NO_AUTOMOUNT = 0x800;
        const EMPTY_PATH = 0x1000;
        /// AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC (stat of a local fs: no effect).
        const STATX_SYNC_TYPE = 0x6000;
    }
}

impl Args {
    /// A `*at` flag word: EINVAL for any bit outside `accepted`.
    pub fn at_flags(self, i: usize, accepted: AtFlags) -> Result<AtFlags, Errno> {
        let raw = u32::from_reg(self.0[i]);
        if raw & !accepted.bits() != 0 {
            return Err(Errno::EINVAL);
        }
        Ok(AtFlags::from_bits_retain(raw))
    }
}

bitflags! {
    /// dup3(2): O_CLOEXEC only.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Dup3Flags: u32 {
        const CLOEXEC = crate::fs::file::O_CLOEXEC;
    }

    /// pipe2(2). Linux also takes O_DIRECT (packet mode) and
    /// O_NOTIFICATION_PIPE, which are not implemented: EINVAL like an
    /// unknown bit.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Pipe2Flags: u32 {
        const CLOEXEC = crate::fs::file::O_CLOEXEC;
        const NONBLOCK = crate::fs::file::O_NONBLOCK;
    }

    /// umount2(2) (MNT_*, UMOUNT_NOFOLLOW).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct UmountFlags: u32 {
        const FORCE = 1;
        const DETACH = 2;
        const EXPIRE = 4;
        const NOFOLLOW = 8;
    }

    /// renameat2(2) (RENAME_*).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct RenameFlags: u32 {
        const NOREPLACE = 1;
        const EXCHANGE = 2;
        const WHITEOUT = 4;
    }

    /// wait4(2) options.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct WaitFlags: u32 {
        const NOHANG = 1;
        const UNTRACED = 2;
        const CONTINUED = 8;
        /// __WNOTHREAD (only the calling thread's children), __WALL,
        /// __WCLONE (children whose exit signal is not SIGCHLD).
        const NOTHREAD = 0x2000_0000;
        const ALL = 0x4000_0000;
        const CLONE = 0x8000_0000;
    }

    /// getrandom(2) (GRND_*).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct GetrandomFlags: u32 {
        const NONBLOCK = 1;
        const RANDOM = 2;
        const INSECURE = 4;
    }

    /// mprotect(2) protection bits (PROT_*; the argument is an `unsigned long`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct ProtFlags: u64 {
        const READ = 1;
        const WRITE = 2;
        const EXEC = 4;
        /// PROT_SEM: accepted and ignored by Linux (atomics work on all memory).
        const SEM = 8;
    }

    /// clock_nanosleep(2): TIMER_ABSTIME (Linux ignores other bits).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct SleepFlags: u32 {
        const ABSTIME = 1;
    }

    /// clone(2) flags (CLONE_*), the exit signal (CSIGNAL) taken out.
    /// Legacy clone takes the low 32 bits and ignores none of them by name,
    /// so the set names all of Linux's.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct CloneFlags: u32 {
        const VM = 0x100;
        const FS = 0x200;
        const FILES = 0x400;
        const SIGHAND = 0x800;
        const PIDFD = 0x1000;
        const PTRACE = 0x2000;
        const VFORK = 0x4000;
        const PARENT = 0x8000;
        const THREAD = 0x1_0000;
        const NEWNS = 0x2_0000;
        const SYSVSEM = 0x4_0000;
        const SETTLS = 0x8_0000;
        const PARENT_SETTID = 0x10_0000;
        const CHILD_CLEARTID = 0x20_0000;
        const DETACHED = 0x40_0000;
        const UNTRACED = 0x80_0000;
        const CHILD_SETTID = 0x100_0000;
        const NEWCGROUP = 0x200_0000;
        const NEWUTS = 0x400_0000;
        const NEWIPC = 0x800_0000;
        const NEWUSER = 0x1000_0000;
        const NEWPID = 0x2000_0000;
        const NEWNET = 0x4000_0000;
        const IO = 0x8000_0000;
    }
}

/// The `flags` register of clone(2): the flag set and the exit signal.
#[derive(Clone, Copy, Debug)]
pub struct CloneArgs {
    pub flags: CloneFlags,
    /// The signal the parent gets when the child exits (CSIGNAL).
    pub exit_signal: u8,
}

impl CloneArgs {
    pub fn from_reg(reg: u64) -> CloneArgs {
        let low = reg as u32;
        CloneArgs { flags: CloneFlags::from_bits_retain(low & !0xff), exit_signal: low as u8 }
    }
}
