//! The console terminal: the PL011 behind a `Terminal`. Input arrives in
//! interrupt context (`receive`), so every access masks interrupts.

use alloc::vec::Vec;

use kernel_abi::Errno;
use spin::Mutex;

use kernel_line_discipline::{B38400, CLOCAL, CREAD, CS8, HUPCL};

use super::{Terminal, Tty};
use crate::arch::IrqGuard;
use crate::printk;
use crate::process::{sched, signal};

static CONSOLE: Mutex<Option<Terminal>> = Mutex::new(None);

/// The console as a `Tty`.
pub struct Console;

/// Makes the console's terminal; called once the heap is up (boot).
pub fn init() {
    let _irq = IrqGuard::new();
    // Linux's serial console: 38400 8N1, modem lines ignored.
    let cflag = B38400 | CS8 | CREAD | HUPCL | CLOCAL;
    *CONSOLE.lock() = Some(Terminal::try_new(cflag).expect("the console's buffers fit in the boot heap"));
}

impl Tty for Console {
    fn with_term(&self, f: &mut dyn FnMut(&mut Terminal)) {
        let _irq = IrqGuard::new();
        let mut guard = CONSOLE.lock();
        let term = guard.as_mut().expect("console::init runs before any process");
        f(term)
    }
}

/// Whether the console's terminal exists yet (input typed before the heap
/// is up is dropped, as a UART overrun would lose it).
fn ready() -> bool {
    let _irq = IrqGuard::new();
    CONSOLE.lock().is_some()
}

fn with<R>(f: impl FnOnce(&mut Terminal) -> R) -> R {
    super::with_term(&Console, f)
}

/// A byte from the UART (interrupt context).
pub fn receive(byte: u8) {
    if !ready() {
        return;
    }
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
        super::raise(s, pgrp);
    }
}

/// TIOCSTI: a byte into the console's input, as if typed.
pub fn inject(byte: u8) {
    receive(byte);
    sched::notify();
}

/// Whether a read would return now.
pub fn readable() -> bool {
    with(|t| t.ld.readable())
}

/// read(2) on the console: waits until the discipline has data (EINTR
/// when a signal arrives first).
pub fn read(buf: &mut [u8], nonblock: bool) -> Result<usize, Errno> {
    sched::wait_for(|| {
        match super::may_read(&Console) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(Err(e)),
        }
        if let Some(n) = with(|t| t.ld.readable().then(|| t.ld.read(buf))) {
            Some(Ok(n))
        } else {
            super::pty::blocked_error(nonblock).map(Err)
        }
    })
}

/// write(2) on the console, with output processing (ONLCR); a background
/// writer under TOSTOP stops first (`may_change`), and output held by the
/// stop character waits (EINTR when a signal comes first).
pub fn write(data: &[u8]) -> Result<usize, Errno> {
    super::may_change(&Console, true)?;
    // Output held by the stop character (IXON) waits for the start one.
    let mut interrupted = false;
    sched::wait_until(|| {
        interrupted = signal::has_deliverable();
        interrupted || !with(|t| t.ld.stopped)
    });
    if interrupted && with(|t| t.ld.stopped) {
        return Err(Errno::ERESTARTSYS);
    }
    let out = with(|t| {
        let mut out = Vec::with_capacity(data.len() + 8);
        t.ld.output(data, &mut out);
        out
    });
    printk::console_write_raw(&out);
    Ok(data.len())
}
