//! The calling process, as handlers see it: one handle instead of
//! `process::with_current(..)??` at every use, and the one privilege check.

use alloc::sync::Arc;

use kernel_abi::Errno;
use kernel_perm::Creds;

use super::args::Fd;
use crate::fs::file::OpenFile;
use crate::process::{self, Process};

/// The process making the current syscall.
#[derive(Clone, Copy)]
pub struct Current(());

pub fn current() -> Current {
    Current(())
}

impl Current {
    pub fn pid(self) -> u32 {
        process::current_pid()
    }

    /// Runs `f` on the process (its table entry locked, IRQs masked: no
    /// waiting, no other process's lock inside). ESRCH when no process
    /// runs (the boot context has none).
    pub fn with<R>(self, f: impl FnOnce(&mut Process) -> Result<R, Errno>) -> Result<R, Errno> {
        process::with_current(f)?
    }

    /// The open file behind `fd` (EBADF when none).
    pub fn file(self, fd: Fd) -> Result<Arc<OpenFile>, Errno> {
        self.with(|p| p.fds.get(fd.index()))
    }

    /// The working directory (a dentry: valid whatever was renamed since).
    pub fn cwd(self) -> crate::fs::Path {
        crate::fs::cwd()
    }

    pub fn umask(self) -> Result<u32, Errno> {
        self.with(|p| Ok(p.umask))
    }

    pub fn creds(self) -> Creds {
        process::current_creds()
    }

    /// The capability check of the calls Linux reserves for
    /// CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SETGID, CAP_SYSLOG, CAP_CHOWN...:
    /// without capabilities, "privileged" is an effective uid of 0. EPERM
    /// otherwise.
    pub fn require_privileged(self) -> Result<(), Errno> {
        if is_privileged(&self.creds()) {
            Ok(())
        } else {
            Err(Errno::EPERM)
        }
    }
}

/// Whether `creds` hold every capability (effective uid 0: this kernel has
/// no capability sets).
pub fn is_privileged(creds: &Creds) -> bool {
    creds.is_root()
}
