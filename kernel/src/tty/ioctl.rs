//! ioctl(2) on a terminal: termios, the controlling terminal and its
//! foreground process group, window size; on a PTY master also the Unix 98
//! requests (`TIOCGPTN`, `TIOCSPTLCK`). Anything else is ENOTTY.

use alloc::vec::Vec;

use kernel_abi::Errno;
use kernel_line_discipline::{Termios, TERMIOS_SIZE, VSTART, VSTOP};

use super::{session_alive, session_has_ctty, with_term, TtyRef};
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process::{self, signal};
use crate::syscall::current::current;

const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TCSBRK: u64 = 0x5409;
const TCXONC: u64 = 0x540a;
const TCFLSH: u64 = 0x540b;
const TIOCSCTTY: u64 = 0x540e;
const TIOCGPGRP: u64 = 0x540f;
const TIOCSPGRP: u64 = 0x5410;
const TIOCOUTQ: u64 = 0x5411;
const TIOCSTI: u64 = 0x5412;
const TIOCGWINSZ: u64 = 0x5413;
const TIOCSWINSZ: u64 = 0x5414;
const FIONREAD: u64 = 0x541b;
const TIOCNOTTY: u64 = 0x5422;
const TIOCGSID: u64 = 0x5429;
const TIOCGPTN: u64 = 0x8004_5430;
const TIOCSPTLCK: u64 = 0x4004_5431;
const TIOCGPTLCK: u64 = 0x8004_5439;

const TCOOFF: u64 = 0;
const TCOON: u64 = 1;
const TCIOFF: u64 = 2;
const TCION: u64 = 3;
const TCIFLUSH: u64 = 0;
const TCOFLUSH: u64 = 1;
const TCIOFLUSH: u64 = 2;

/// `(pid, session, process group)` of the calling process.
fn caller() -> Result<(u32, u32, u32), Errno> {
    process::with_current(|p| (p.pid, p.sid, p.pgid))
}

fn put_u32(arg: u64, v: u32) -> Result<usize, Errno> {
    copy_to_user(arg, &v.to_le_bytes())?;
    Ok(0)
}

fn get_u32(arg: u64) -> Result<u32, Errno> {
    let mut raw = [0u8; 4];
    copy_from_user(&mut raw, arg)?;
    Ok(u32::from_le_bytes(raw))
}

/// ioctl(2) on `tty`; `master`: the file is a PTY master; `readable`: it
/// was opened for reading (TIOCSCTTY needs that, or privilege).
pub fn ioctl(tty: &TtyRef, master: bool, readable: bool, cmd: u64, arg: u64) -> Result<usize, Errno> {
    if master {
        if let Some(r) = master_ioctl(tty, cmd, arg) {
            return r;
        }
    }
    match cmd {
        TCGETS => {
            let bytes = with_term(tty, |t| t.ld.termios.to_bytes());
            copy_to_user(arg, &bytes)?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            if !master {
                super::may_change(tty, false)?;
            }
            let mut raw = [0u8; TERMIOS_SIZE];
            copy_from_user(&mut raw, arg)?;
            with_term(tty, |t| {
                t.ld.termios = Termios::from_bytes(&raw);
                // Without IXON nothing can restart held output: it flows again.
                if t.ld.termios.iflag & kernel_line_discipline::IXON == 0 {
                    t.ld.stopped = false;
                }
                if cmd == TCSETSF {
                    t.ld.flush_input();
                }
            });
            Ok(0)
        }
        // tcdrain/tcsendbreak: output is never queued behind hardware.
        TCSBRK => Ok(0),
        // tcflow: TCOOFF holds output, TCOON releases it; TCIOFF/TCION
        // (send a stop/start character to the other end) are not implemented.
        TCXONC => match arg {
            TCOOFF | TCOON => {
                with_term(tty, |t| t.ld.stopped = arg == TCOOFF);
                crate::process::sched::notify();
                Ok(0)
            }
            // TCIOFF/TCION send the STOP/START character to the other end
            // (Linux's tty_send_xchar), unless it is disabled (0).
            TCIOFF | TCION => {
                let c = with_term(tty, |t| t.ld.termios.cc[if arg == TCIOFF { VSTOP } else { VSTART }]);
                if c != 0 {
                    send_to_other_end(tty, master, c);
                }
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        },
        // Linux: the caller's controlling terminal, or CAP_SYS_ADMIN
        // (EPERM); the byte is input as if typed (on a master: what the
        // master reads).
        TIOCSTI => {
            let (_, sid, _) = caller()?;
            let own = !master && with_term(tty, |t| t.sid) == sid && sid != 0;
            if !own {
                current().require_privileged()?;
            }
            let mut b = [0u8; 1];
            copy_from_user(&mut b, arg)?;
            match tty {
                TtyRef::Pty(p) if master => p.inject_master_input(b[0]),
                TtyRef::Pty(p) => p.inject_slave_input(b[0]),
                _ => super::console::inject(b[0]),
            }
            Ok(0)
        }
        // Output never waits in a queue of its own: the console writes
        // synchronously and a PTY's output goes straight into the other
        // side's input, so TCOFLUSH has nothing to drop (as Linux's
        // pty_flush_buffer, which leaves the data the master has not read)
        // and TIOCOUTQ is 0. Input: the slave's (or console's) line
        // discipline; a master's input is what the slave wrote.
        TCFLSH => {
            if !master {
                super::may_change(tty, false)?;
            }
            match arg {
                TCIFLUSH | TCIOFLUSH => {
                    match tty {
                        TtyRef::Pty(p) if master => p.flush_master_input(),
                        _ => with_term(tty, |t| t.ld.flush_input()),
                    }
                    Ok(0)
                }
                TCOFLUSH => Ok(0),
                _ => Err(Errno::EINVAL),
            }
        }
        TIOCOUTQ => put_u32(arg, 0),
        TIOCGPGRP => {
            let (_, sid, _) = caller()?;
            let pgrp = with_term(tty, |t| (master || t.sid == sid).then_some(t.pgrp)).ok_or(Errno::ENOTTY)?;
            put_u32(arg, pgrp)
        }
        TIOCGSID => {
            let (_, sid, _) = caller()?;
            let owner = with_term(tty, |t| (t.sid != 0 && (master || t.sid == sid)).then_some(t.sid));
            put_u32(arg, owner.ok_or(Errno::ENOTTY)?)
        }
        // Linux's tiocspgrp: the caller's controlling terminal only
        // (ENOTTY), the group must exist (ESRCH) and be in the caller's
        // session (EPERM).
        // On a master it acts on its slave (Linux's real_tty).
        TIOCSPGRP => {
            // Linux: a group that may not change the terminal gets ENOTTY for EIO.
            super::may_change(tty, false).map_err(|e| if e == Errno::EIO { Errno::ENOTTY } else { e })?;
            let (_, sid, _) = caller()?;
            let pgrp = get_u32(arg)? as i32;
            if pgrp < 0 {
                return Err(Errno::EINVAL);
            }
            if with_term(tty, |t| t.sid) != sid {
                return Err(Errno::ENOTTY);
            }
            let pgrp = pgrp as u32;
            match group_session(pgrp) {
                None => return Err(Errno::ESRCH),
                Some(s) if s != sid => return Err(Errno::EPERM),
                Some(_) => {}
            }
            with_term(tty, |t| t.pgrp = pgrp);
            Ok(0)
        }
        // On a master it makes the slave the controlling terminal, as Linux.
        TIOCSCTTY => set_controlling(tty, arg == 1, readable),
        TIOCNOTTY if !master => {
            let (_, sid, _) = caller()?;
            let was = with_term(tty, |t| {
                let was = t.sid == sid;
                if was {
                    t.sid = 0;
                    t.pgrp = 0;
                }
                was
            });
            if was {
                Ok(0)
            } else {
                Err(Errno::ENOTTY)
            }
        }
        TIOCGWINSZ => {
            let ws = with_term(tty, |t| t.winsize);
            let bytes: Vec<u8> = ws.iter().flat_map(|v| v.to_le_bytes()).collect();
            copy_to_user(arg, &bytes)?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let mut raw = [0u8; 8];
            copy_from_user(&mut raw, arg)?;
            let (changed, pgrp) = with_term(tty, |t| {
                let mut ws = [0u16; 4];
                for (i, v) in ws.iter_mut().enumerate() {
                    *v = u16::from_le_bytes([raw[i * 2], raw[i * 2 + 1]]);
                }
                let changed = ws != t.winsize;
                t.winsize = ws;
                (changed, t.pgrp)
            });
            if changed && pgrp != 0 {
                signal::send_group(pgrp, signal::SIGWINCH);
            }
            Ok(0)
        }
        FIONREAD => {
            let n = match tty {
                TtyRef::Pty(p) if master => p.master_pending(),
                _ => with_term(tty, |t| t.ld.pending()),
            };
            put_u32(arg, n as u32)
        }
        _ => Err(Errno::ENOTTY),
    }
}

/// A byte written past the line discipline to the device: the UART, or
/// the other side of a PTY pair.
fn send_to_other_end(tty: &TtyRef, master: bool, byte: u8) {
    match tty {
        TtyRef::Pty(p) if master => p.inject_slave_input(byte),
        TtyRef::Pty(p) => p.inject_master_input(byte),
        _ => crate::printk::console_write_raw(&[byte]),
    }
}

/// The session of process group `pgrp` (Linux's `session_of_pgrp`: a
/// member's, else the session of the process with that pid), or None when
/// no process has that id.
fn group_session(pgrp: u32) -> Option<u32> {
    if pgrp == 0 {
        return None;
    }
    let _irq = crate::arch::IrqGuard::new();
    let procs = process::PROCS.lock();
    let member = procs.values().find(|p| p.pid != 0 && p.pgid == pgrp).map(|p| p.sid);
    member.or_else(|| procs.get(&pgrp).map(|p| p.sid))
}

/// TIOCSCTTY: a session leader without a controlling terminal takes this
/// one, unless another live session has it: then only with `steal`
/// (arg 1) and CAP_SYS_ADMIN (here: effective uid 0), as Linux.
fn set_controlling(tty: &TtyRef, steal: bool, readable: bool) -> Result<usize, Errno> {
    let (pid, sid, pgid) = caller()?;
    let owner = with_term(tty, |t| t.sid);
    if owner == sid {
        return Ok(0);
    }
    if pid != sid || session_has_ctty(sid) {
        return Err(Errno::EPERM);
    }
    if owner != 0 && session_alive(owner) {
        if !steal {
            return Err(Errno::EPERM);
        }
        current().require_privileged()?;
    }
    // Linux: a descriptor not open for reading takes CAP_SYS_ADMIN.
    if !readable {
        current().require_privileged()?;
    }
    with_term(tty, |t| {
        t.sid = sid;
        t.pgrp = pgid;
    });
    Ok(0)
}

/// The requests only a PTY master answers; None for the others.
fn master_ioctl(tty: &TtyRef, cmd: u64, arg: u64) -> Option<Result<usize, Errno>> {
    let TtyRef::Pty(p) = tty else { return None };
    Some(match cmd {
        TIOCGPTN => put_u32(arg, p.index()),
        TIOCSPTLCK => get_u32(arg).map(|lock| {
            p.set_locked(lock != 0);
            0
        }),
        TIOCGPTLCK => put_u32(arg, p.locked() as u32),
        _ => return None,
    })
}
