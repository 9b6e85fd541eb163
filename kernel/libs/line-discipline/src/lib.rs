//! The TTY line discipline (N_TTY, the parts a serial console needs):
//! termios as the arm64 ABI lays it out (`termios.rs`), canonical line
//! editing (erase, kill, word erase, reprint, literal next), echo, CR/NL
//! mapping, the signal characters and output flow control (IXON: the stop
//! character holds the terminal's output until the start character; echo
//! is not held). Pure state machine: bytes in, echo bytes and signals out;
//! the kernel drives the UART and the processes.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

mod termios;

pub use termios::*;

/// A signal the discipline raises for the foreground process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Int,
    Quit,
    Tstp,
}

/// What one input byte caused.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Effect {
    /// Bytes to write back to the terminal.
    pub echo: Vec<u8>,
    pub signal: Option<Signal>,
}

#[derive(Default)]
pub struct LineDiscipline {
    pub termios: Termios,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    /// Bytes ready for read(2).
    ready: VecDeque<u8>,
    /// An EOF (^D on an empty line) is pending: the next read returns 0.
    eof: usize,
    /// The last byte was VLNEXT: the next one is taken literally.
    literal_next: bool,
    /// Output is held (the stop character under IXON, or TCOOFF).
    pub stopped: bool,
}

/// Longest canonical line (Linux: 4095 + newline).
const MAX_LINE: usize = 4095;
/// Most bytes waiting for read(2) (Linux's N_TTY_BUF_SIZE). Beyond it raw
/// input is dropped, as a UART overrun would; a PTY master's writer waits
/// for `room` instead, so nothing it writes is lost.
pub const INPUT_CAPACITY: usize = 4096;

impl LineDiscipline {
    pub fn canonical(&self) -> bool {
        self.termios.lflag & ICANON != 0
    }

    /// Feeds one received byte.
    pub fn input(&mut self, mut byte: u8) -> Effect {
        let t = self.termios;
        let mut fx = Effect::default();
        // A disabled control character is 0 (_POSIX_VDISABLE).
        let is = |i: usize, b: u8| t.cc[i] != 0 && b == t.cc[i];
        let extended = t.lflag & IEXTEN != 0;
        if core::mem::take(&mut self.literal_next) {
            if t.lflag & ECHO != 0 && t.lflag & ECHOCTL != 0 {
                fx.echo.push(0x08); // over the `^` shown for VLNEXT
            }
            self.take_char(byte, &mut fx);
            return fx;
        }
        if extended && is(VLNEXT, byte) {
            self.literal_next = true;
            if t.lflag & ECHO != 0 && t.lflag & ECHOCTL != 0 {
                fx.echo.push(b'^');
            }
            return fx;
        }
        if t.iflag & IXON != 0 {
            if is(VSTOP, byte) {
                self.stopped = true;
                return fx;
            }
            if is(VSTART, byte) {
                self.stopped = false;
                return fx;
            }
        }
        if byte == b'\r' && t.iflag & ICRNL != 0 {
            byte = b'\n';
        }
        if t.lflag & ISIG != 0 {
            let sig = if is(VINTR, byte) {
                Some(Signal::Int)
            } else if is(VQUIT, byte) {
                Some(Signal::Quit)
            } else if is(VSUSP, byte) {
                Some(Signal::Tstp)
            } else {
                None
            };
            if let Some(s) = sig {
                self.line.clear();
                if t.lflag & ECHO != 0 {
                    fx.echo.extend_from_slice(&[b'^', byte + b'@', b'\n']);
                }
                fx.signal = Some(s);
                return fx;
            }
        }
        if !self.canonical() {
            self.take_char(byte, &mut fx);
            return fx;
        }
        if extended && is(VWERASE, byte) {
            // Blanks before the cursor, then the word before them.
            let keep = self.line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
            let keep = self.line[..keep].iter().rposition(|b| b.is_ascii_whitespace()).map_or(0, |i| i + 1);
            let n = self.line.len() - keep;
            self.line.truncate(keep);
            if t.lflag & ECHO != 0 && t.lflag & ECHOE != 0 {
                for _ in 0..n {
                    fx.echo.extend_from_slice(b"\x08 \x08");
                }
            }
            return fx;
        }
        if extended && is(VREPRINT, byte) {
            if t.lflag & ECHO != 0 {
                self.echo_byte(byte, &mut fx.echo);
                fx.echo.push(b'\n');
                for i in 0..self.line.len() {
                    self.echo_byte(self.line[i], &mut fx.echo);
                }
            }
            return fx;
        }
        if is(VERASE, byte) || byte == 0x08 {
            if self.line.pop().is_some() && t.lflag & ECHO != 0 && t.lflag & ECHOE != 0 {
                fx.echo.extend_from_slice(b"\x08 \x08");
            }
            return fx;
        }
        if is(VKILL, byte) {
            let n = self.line.len();
            self.line.clear();
            if t.lflag & ECHO != 0 && t.lflag & ECHOK != 0 {
                for _ in 0..n {
                    fx.echo.extend_from_slice(b"\x08 \x08");
                }
            }
            return fx;
        }
        if is(VEOF, byte) {
            if self.line.is_empty() {
                self.eof += 1;
            } else {
                self.ready.extend(self.line.drain(..));
            }
            return fx;
        }
        if byte == b'\n' {
            self.line.push(b'\n');
            self.ready.extend(self.line.drain(..));
            if t.lflag & ECHO != 0 {
                self.echo_byte(b'\n', &mut fx.echo);
            }
            return fx;
        }
        self.take_char(byte, &mut fx);
        fx
    }

    /// An ordinary character: into the line (canonical mode) or straight
    /// to the reader, echoed. The line stops growing at MAX_LINE, or when
    /// the unread lines and it fill the buffer (only a newline, erase or
    /// kill gets through); raw input beyond the buffer is dropped.
    fn take_char(&mut self, byte: u8, fx: &mut Effect) {
        if self.canonical() {
            if self.line.len() >= MAX_LINE || self.ready.len() + self.line.len() >= INPUT_CAPACITY {
                return;
            }
            self.line.push(byte);
        } else {
            if self.ready.len() >= INPUT_CAPACITY {
                return;
            }
            self.ready.push_back(byte);
        }
        if self.termios.lflag & ECHO != 0 {
            self.echo_byte(byte, &mut fx.echo);
        }
    }

    fn echo_byte(&self, byte: u8, out: &mut Vec<u8>) {
        if byte < 0x20 && byte != b'\n' && byte != b'\t' && self.termios.lflag & ECHOCTL != 0 {
            out.extend_from_slice(&[b'^', byte + b'@']);
        } else {
            out.push(byte);
        }
    }

    /// Whether read(2) would return now (data or a pending EOF).
    pub fn readable(&self) -> bool {
        !self.ready.is_empty() || self.eof > 0
    }

    /// read(2): canonical mode returns at most one line. 0 means EOF.
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        if self.ready.is_empty() && self.eof > 0 {
            self.eof -= 1;
            return 0;
        }
        let mut n = 0;
        while n < out.len() {
            let Some(b) = self.ready.pop_front() else { break };
            out[n] = b;
            n += 1;
            if b == b'\n' && self.canonical() {
                break;
            }
        }
        n
    }

    /// Reserves the most memory the buffers can ever hold, so that input
    /// never allocates afterwards (a kernel caller cannot fail an
    /// allocation in interrupt context or in the middle of a write).
    pub fn try_reserve(&mut self) -> Result<(), alloc::collections::TryReserveError> {
        self.line.try_reserve_exact((MAX_LINE + 1).saturating_sub(self.line.len()))?;
        // A completed line joins `ready` even when `ready` is full.
        self.ready.try_reserve_exact((INPUT_CAPACITY + MAX_LINE + 1).saturating_sub(self.ready.len()))
    }

    /// How many more bytes `input` takes now without dropping any: 0 while
    /// unread input fills the buffer (a PTY master's write then waits).
    pub fn room(&self) -> usize {
        INPUT_CAPACITY.saturating_sub(self.ready.len() + self.line.len())
    }

    /// Bytes waiting (FIONREAD).
    pub fn pending(&self) -> usize {
        self.ready.len()
    }

    /// Output processing: NL -> CR NL under OPOST|ONLCR.
    pub fn output(&self, data: &[u8], out: &mut Vec<u8>) {
        let onlcr = self.termios.oflag & OPOST != 0 && self.termios.oflag & ONLCR != 0;
        for &b in data {
            if b == b'\n' && onlcr {
                out.push(b'\r');
            }
            out.push(b);
        }
    }

    /// Drops unread input (TCSETSF, TCFLSH).
    pub fn flush_input(&mut self) {
        self.line.clear();
        self.ready.clear();
        self.eof = 0;
    }
}

#[cfg(test)]
mod tests;
