//! Terminals: the console (the PL011, `console.rs`) and pseudo-terminal
//! pairs (`pty.rs`). Both are a `Terminal`: a line discipline
//! (`kernel-line-discipline`) plus the job-control state POSIX hangs on a
//! terminal (its session and foreground process group) and a window size.
//! The ioctls they share live in `ioctl.rs`.

pub mod console;
mod ioctl;
pub mod pty;

use alloc::sync::Arc;

use kernel_abi::Errno;
use kernel_line_discipline::{LineDiscipline, Signal};

use crate::fs::dev::Device;
use crate::process::{self, signal};

pub use ioctl::ioctl;

pub struct Terminal {
    pub ld: LineDiscipline,
    /// Foreground process group (TIOCSPGRP).
    pub pgrp: u32,
    /// The session it is the controlling terminal of (0: none).
    pub sid: u32,
    /// rows, cols, xpixel, ypixel (TIOCGWINSZ).
    pub winsize: [u16; 4],
}

impl Terminal {
    /// A terminal whose input buffers are allocated whole now (ENOMEM when
    /// the heap cannot), so input never allocates later. Its control flags
    /// are the driver's (`cflag`); its window size is 0 x 0 until someone
    /// sets it, as for Linux's serial lines and PTYs.
    pub fn try_new(cflag: u32) -> Result<Terminal, Errno> {
        let mut ld = LineDiscipline::default();
        ld.try_reserve().map_err(|_| Errno::ENOMEM)?;
        ld.termios.cflag = cflag;
        Ok(Terminal { ld, pgrp: 0, sid: 0, winsize: [0; 4] })
    }
}

/// Access to one terminal's state under its lock.
pub trait Tty {
    fn with_term(&self, f: &mut dyn FnMut(&mut Terminal));
}

/// Runs `f` on the terminal behind `tty` and returns what it returns.
pub fn with_term<R>(tty: &dyn Tty, f: impl FnOnce(&mut Terminal) -> R) -> R {
    let mut f = Some(f);
    let mut out = None;
    tty.with_term(&mut |t| out = Some((f.take().expect("called once"))(t)));
    out.expect("with_term runs its closure")
}

/// Sends what a signal character raised to the foreground process group.
pub fn raise(sig: Signal, pgrp: u32) {
    let sig = match sig {
        Signal::Int => signal::SIGINT,
        Signal::Quit => signal::SIGQUIT,
        Signal::Tstp => signal::SIGTSTP,
    };
    if pgrp != 0 {
        signal::send_group(pgrp, sig);
    }
}

/// A terminal an open file refers to.
pub enum TtyRef {
    Console,
    Pty(Arc<pty::Pty>),
}

impl Tty for TtyRef {
    fn with_term(&self, f: &mut dyn FnMut(&mut Terminal)) {
        match self {
            TtyRef::Console => console::Console.with_term(f),
            TtyRef::Pty(p) => p.with_term(f),
        }
    }
}

/// Job control at a terminal, Linux's rules: a process of a background
/// group of the terminal's session that reads it (`SIGTTIN`), or changes
/// its settings or writes it under TOSTOP (`SIGTTOU`), sends the signal to
/// its whole group and waits, stopped, until continued, then tries again
/// (`Ok(false)`: "wait"). A reader that ignores or blocks SIGTTIN gets EIO;
/// a writer that ignores or blocks SIGTTOU goes ahead; an orphaned group
/// (nobody could continue it) gets EIO. `Ok(true)`: go ahead.
pub fn job_control_check(tty: &dyn Tty, sig: usize) -> Result<bool, Errno> {
    let (sid, pgid, refuses) = process::with_current(|p| {
        let blocked = p.signals.blocked & signal::bit(sig) != 0;
        (p.sid, p.pgid, blocked || p.signals.actions[sig - 1].handler == signal::SIG_IGN)
    })?;
    let (owner, foreground) = with_term(tty, |t| (t.sid, t.pgrp));
    if owner == 0 || owner != sid || foreground == 0 || foreground == pgid {
        return Ok(true);
    }
    if refuses {
        return if sig == signal::SIGTTOU { Ok(true) } else { Err(Errno::EIO) };
    }
    if process::jobctl::group_orphaned(pgid) {
        return Err(Errno::EIO);
    }
    signal::send_group(pgid, sig);
    Ok(false)
}

/// `job_control_check` for a read.
pub fn may_read(tty: &dyn Tty) -> Result<bool, Errno> {
    job_control_check(tty, signal::SIGTTIN)
}

/// Waits until the caller may change `tty`'s settings, or write it when
/// `write` and TOSTOP is set (SIGTTOU rules above); EINTR when a handled
/// signal comes first.
pub fn may_change(tty: &dyn Tty, write: bool) -> Result<(), Errno> {
    if write && with_term(tty, |t| t.ld.termios.lflag & kernel_line_discipline::TOSTOP == 0) {
        return Ok(());
    }
    let mut result = None;
    crate::process::sched::wait_until(|| {
        result = match job_control_check(tty, signal::SIGTTOU) {
            Ok(true) => Some(Ok(())),
            Ok(false) => signal::has_deliverable().then_some(Err(Errno::ERESTARTSYS)),
            Err(e) => Some(Err(e)),
        };
        result.is_some()
    });
    result.expect("wait_until returned")
}

/// Session leader `sid` exited: its controlling terminal is nobody's now,
/// and the terminal's foreground group hears SIGHUP (Linux's
/// `disassociate_ctty` on exit).
pub fn session_leader_exited(sid: u32) {
    let release = |t: &mut Terminal| {
        if sid != 0 && t.sid == sid {
            let foreground = t.pgrp;
            t.sid = 0;
            t.pgrp = 0;
            foreground
        } else {
            0
        }
    };
    let mut foreground = with_term(&console::Console, release);
    if let Some(p) = pty::find_by_session(sid) {
        foreground = with_term(&*p, release);
    }
    if foreground != 0 {
        signal::send_group(foreground, signal::SIGHUP);
    }
}

/// Whether session `sid` has a controlling terminal already.
pub fn session_has_ctty(sid: u32) -> bool {
    with_term(&console::Console, |t| t.sid == sid) || pty::find_by_session(sid).is_some()
}

/// Whether any live process belongs to session `sid`.
pub fn session_alive(sid: u32) -> bool {
    sid != 0
        && process::pids()
            .into_iter()
            .any(|pid| process::with_pid(pid, |p| p.sid == sid && !p.is_zombie()) == Some(true))
}

/// open(2) of a terminal device: /dev/ptmx makes a new pair (the result
/// is its master), /dev/tty stands for the caller's controlling terminal
/// (ENXIO without one), and a PTY slave opens only once its master
/// unlocked it and while the master is open (EIO otherwise). Other
/// devices are opened as they are. The open file keeps the inode opened,
/// so fstat(2) shows /dev/ptmx and /dev/tty, as on Linux.
pub fn open_node(dev: Device) -> Result<Device, Errno> {
    match dev {
        Device::Ptmx => Ok(Device::PtyMaster(pty::allocate()?)),
        Device::ControllingTty => {
            let sid = process::with_current(|p| p.sid)?;
            if sid != 0 && with_term(&console::Console, |t| t.sid == sid) {
                Ok(Device::Console)
            } else {
                Ok(Device::PtySlave(pty::find_by_session(sid).ok_or(Errno::ENXIO)?))
            }
        }
        Device::PtySlave(p) => {
            p.check_slave_open()?;
            Ok(Device::PtySlave(p))
        }
        d => Ok(d),
    }
}
