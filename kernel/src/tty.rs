//! The console TTY: the PL011 behind the line discipline
//! (`kernel-line-discipline`), termios and window-size ioctls, and the
//! foreground process group.

use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_line_discipline::{LineDiscipline, Signal, Termios, TERMIOS_SIZE};
use spin::Mutex;

use crate::arch::IrqGuard;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::printk;
use crate::process::{sched, signal};

struct Tty {
    ld: LineDiscipline,
    /// Foreground process group (TIOCSPGRP).
    pgrp: u32,
    /// The session it is the controlling terminal of (0: none yet).
    sid: u32,
    winsize: [u16; 4],
}

static TTY: Mutex<Option<Tty>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Tty) -> R) -> R {
    let _irq = IrqGuard::new();
    let mut guard = TTY.lock();
    let tty =
        guard.get_or_insert_with(|| Tty { ld: LineDiscipline::default(), pgrp: 0, sid: 0, winsize: [24, 80, 0, 0] });
    f(tty)
}

/// A byte from the UART (interrupt context).
pub fn receive(byte: u8) {
    let (echo, sig, pgrp) = with(|t| {
        let fx = t.ld.input(byte);
        let mut out = Vec::new();
        t.ld.output(&fx.echo, &mut out);
        (out, fx.signal, t.pgrp)
    });
    if !echo.is_empty() {
        printk::console_write_raw(&echo);
    }
    if let Some(s) = sig {
        let sig = match s {
            Signal::Int => signal::SIGINT,
            Signal::Quit => signal::SIGQUIT,
            Signal::Tstp => signal::SIGTSTP,
        };
        signal::send_group(pgrp, sig);
    }
}

/// Whether a read would return now.
pub fn readable() -> bool {
    with(|t| t.ld.readable())
}

/// read(2) on the console: waits until the discipline has data (EINTR
/// when a signal arrives first).
pub fn read(buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
    let mut result = None;
    sched::wait_until(|| {
        if let Some(n) = with(|t| t.ld.readable().then(|| t.ld.read(buf))) {
            result = Some(Ok(n));
        } else if nonblock {
            result = Some(Err(Errno::EAGAIN));
        } else if signal::has_deliverable() {
            result = Some(Err(Errno::EINTR));
        }
        result.is_some()
    });
    result.expect("wait_until returned")
}

/// write(2) on the console, with output processing (ONLCR).
pub fn write(data: &[u8]) -> usize {
    let out = with(|t| {
        let mut out = Vec::with_capacity(data.len() + 8);
        t.ld.output(data, &mut out);
        out
    });
    printk::console_write_raw(&out);
    data.len()
}

/// `(session, process group)` of the calling process.
fn caller() -> Result<(u32, u32), Errno> {
    crate::process::with_current(|p| (p.sid, p.pgid))
}

const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TIOCSCTTY: u64 = 0x540e;
const TIOCGPGRP: u64 = 0x540f;
const TIOCSPGRP: u64 = 0x5410;
const TIOCGWINSZ: u64 = 0x5413;
const TIOCSWINSZ: u64 = 0x5414;
const FIONREAD: u64 = 0x541b;
const TIOCNOTTY: u64 = 0x5422;

/// ioctl(2) on the console.
pub fn ioctl(cmd: u64, arg: u64) -> Result<usize, Errno> {
    match cmd {
        TCGETS => {
            let bytes = with(|t| t.ld.termios.to_bytes());
            copy_to_user(arg, &bytes)?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            let mut raw = [0u8; TERMIOS_SIZE];
            copy_from_user(&mut raw, arg)?;
            with(|t| {
                t.ld.termios = Termios::from_bytes(&raw);
                if cmd == TCSETSF {
                    t.ld.flush_input();
                }
            });
            Ok(0)
        }
        TIOCGPGRP => {
            let (sid, _) = caller()?;
            let pgrp = with(|t| (t.sid == sid).then_some(t.pgrp)).ok_or(Errno::ENOTTY)?;
            copy_to_user(arg, &pgrp.to_le_bytes())?;
            Ok(0)
        }
        TIOCSPGRP => {
            let (sid, _) = caller()?;
            let mut raw = [0u8; 4];
            copy_from_user(&mut raw, arg)?;
            let pgrp = u32::from_le_bytes(raw);
            with(|t| {
                if t.sid == sid {
                    t.pgrp = pgrp;
                    Ok(())
                } else {
                    Err(Errno::ENOTTY)
                }
            })?;
            Ok(0)
        }
        TIOCSCTTY => {
            // Becomes the controlling terminal of the caller's session,
            // its process group in the foreground.
            let (sid, pgid) = caller()?;
            with(|t| {
                t.sid = sid;
                t.pgrp = pgid;
            });
            Ok(0)
        }
        TIOCNOTTY => {
            let (sid, _) = caller()?;
            with(|t| {
                if t.sid == sid {
                    t.sid = 0;
                    t.pgrp = 0;
                }
            });
            Ok(0)
        }
        TIOCGWINSZ => {
            let ws = with(|t| t.winsize);
            let bytes: Vec<u8> = ws.iter().flat_map(|v| v.to_le_bytes()).collect();
            copy_to_user(arg, &bytes)?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let mut raw = [0u8; 8];
            copy_from_user(&mut raw, arg)?;
            with(|t| {
                for i in 0..4 {
                    t.winsize[i] = u16::from_le_bytes([raw[i * 2], raw[i * 2 + 1]]);
                }
            });
            Ok(0)
        }
        FIONREAD => {
            let n = with(|t| t.ld.pending()) as u32;
            copy_to_user(arg, &n.to_le_bytes())?;
            Ok(0)
        }
        _ => Err(Errno::ENOTTY),
    }
}
