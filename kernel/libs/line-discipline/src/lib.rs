//! The TTY line discipline (N_TTY, the parts a serial console needs):
//! termios as the arm64 ABI lays it out, canonical line editing (erase,
//! kill, word erase, reprint, literal next), echo, CR/NL mapping and the
//! signal characters. Output flow control (IXON's start/stop characters)
//! is not implemented, so those characters start out disabled. Pure state machine: bytes in, echo
//! bytes and signals out; the kernel drives the UART and the processes.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

// c_iflag
pub const ICRNL: u32 = 0o000400;
pub const IXON: u32 = 0o002000;
// c_oflag
pub const OPOST: u32 = 0o000001;
pub const ONLCR: u32 = 0o000004;
// c_cflag
pub const B38400: u32 = 0o000017;
pub const CS8: u32 = 0o000060;
pub const CREAD: u32 = 0o000200;
pub const HUPCL: u32 = 0o002000;
pub const CLOCAL: u32 = 0o004000;
// c_lflag
pub const ISIG: u32 = 0o000001;
pub const ICANON: u32 = 0o000002;
pub const ECHO: u32 = 0o000010;
pub const ECHOE: u32 = 0o000020;
pub const ECHOK: u32 = 0o000040;
pub const ECHOCTL: u32 = 0o001000;
pub const ECHOKE: u32 = 0o004000;
pub const IEXTEN: u32 = 0o100000;
// c_cc indices
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSUSP: usize = 10;
pub const VREPRINT: usize = 12;
pub const VDISCARD: usize = 13;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const NCCS: usize = 19;

/// Size of `struct termios` (TCGETS/TCSETS) on arm64.
pub const TERMIOS_SIZE: usize = 36;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; NCCS],
}

impl Default for Termios {
    /// Linux's `tty_std_termios`, except VSTART/VSTOP (flow control is not
    /// implemented, so they start disabled). VDISCARD is set as on Linux,
    /// whose N_TTY does not act on it either.
    fn default() -> Self {
        let mut cc = [0u8; NCCS];
        cc[VINTR] = 0x03;
        cc[VQUIT] = 0x1c;
        cc[VERASE] = 0x7f;
        cc[VKILL] = 0x15;
        cc[VEOF] = 0x04;
        cc[VTIME] = 0;
        cc[VMIN] = 1;
        cc[VSUSP] = 0x1a;
        cc[VREPRINT] = 0x12;
        cc[VDISCARD] = 0x0f;
        cc[VWERASE] = 0x17;
        cc[VLNEXT] = 0x16;
        Termios {
            iflag: ICRNL | IXON,
            oflag: OPOST | ONLCR,
            cflag: B38400 | CS8 | CREAD | HUPCL,
            lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            line: 0,
            cc,
        }
    }
}

impl Termios {
    pub fn to_bytes(&self) -> [u8; TERMIOS_SIZE] {
        let mut b = [0u8; TERMIOS_SIZE];
        for (i, v) in [self.iflag, self.oflag, self.cflag, self.lflag].into_iter().enumerate() {
            b[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
        }
        b[16] = self.line;
        b[17..17 + NCCS].copy_from_slice(&self.cc);
        b
    }

    pub fn from_bytes(b: &[u8; TERMIOS_SIZE]) -> Termios {
        let w = |i: usize| u32::from_le_bytes([b[i * 4], b[i * 4 + 1], b[i * 4 + 2], b[i * 4 + 3]]);
        let mut cc = [0u8; NCCS];
        cc.copy_from_slice(&b[17..17 + NCCS]);
        Termios { iflag: w(0), oflag: w(1), cflag: w(2), lflag: w(3), line: b[16], cc }
    }
}

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
mod tests {
    use super::*;

    fn feed(ld: &mut LineDiscipline, s: &[u8]) -> Vec<u8> {
        let mut echo = Vec::new();
        for &b in s {
            echo.extend(ld.input(b).echo);
        }
        echo
    }

    #[test]
    fn canonical_lines_with_echo_and_erase() {
        let mut ld = LineDiscipline::default();
        let echo = feed(&mut ld, b"ecx\x7fho hi\r");
        assert_eq!(echo, b"ecx\x08 \x08ho hi\n");
        assert!(ld.readable());
        let mut buf = [0u8; 64];
        let n = ld.read(&mut buf);
        assert_eq!(&buf[..n], b"echo hi\n");
        assert!(!ld.readable());
    }

    #[test]
    fn partial_line_is_not_readable_and_lines_come_one_at_a_time() {
        let mut ld = LineDiscipline::default();
        feed(&mut ld, b"a\nb\nc");
        let mut buf = [0u8; 64];
        assert_eq!(ld.read(&mut buf), 2);
        assert_eq!(ld.read(&mut buf), 2);
        assert!(!ld.readable());
    }

    #[test]
    fn echo_off_and_raw_mode() {
        let mut ld = LineDiscipline::default();
        ld.termios.lflag &= !ECHO;
        assert!(feed(&mut ld, b"secret\n").is_empty());
        ld.termios.lflag &= !ICANON;
        feed(&mut ld, b"x");
        let mut buf = [0u8; 64];
        let n = ld.read(&mut buf);
        assert_eq!(&buf[..n], b"secret\nx");
    }

    #[test]
    fn ctrl_c_raises_sigint_and_drops_the_line() {
        let mut ld = LineDiscipline::default();
        feed(&mut ld, b"sleep 100");
        let fx = ld.input(0x03);
        assert_eq!(fx.signal, Some(Signal::Int));
        assert_eq!(fx.echo, b"^C\n");
        assert!(!ld.readable());
    }

    #[test]
    fn eof_on_empty_line_reads_zero() {
        let mut ld = LineDiscipline::default();
        ld.input(0x04);
        assert!(ld.readable());
        let mut buf = [0u8; 8];
        assert_eq!(ld.read(&mut buf), 0);
        assert!(!ld.readable());
    }

    #[test]
    fn raw_input_is_bounded_and_room_says_so() {
        let mut ld = LineDiscipline::default();
        ld.termios.lflag &= !(ICANON | ECHO);
        assert_eq!(ld.room(), INPUT_CAPACITY);
        feed(&mut ld, &[b'x'; INPUT_CAPACITY + 10]);
        assert_eq!(ld.pending(), INPUT_CAPACITY);
        assert_eq!(ld.room(), 0);
        let mut buf = [0u8; 100];
        assert_eq!(ld.read(&mut buf), 100);
        assert_eq!(ld.room(), 100);
    }

    #[test]
    fn reserved_buffers_never_grow() {
        let mut ld = LineDiscipline::default();
        ld.try_reserve().unwrap();
        let (line, ready) = (ld.line.capacity(), ld.ready.capacity());
        feed(&mut ld, &[b'y'; 5000]);
        feed(&mut ld, b"\n");
        for _ in 0..4 {
            feed(&mut ld, &[b'z'; 1200]);
            feed(&mut ld, b"\n");
        }
        assert_eq!((ld.line.capacity(), ld.ready.capacity()), (line, ready));
        ld.termios.lflag &= !ICANON;
        feed(&mut ld, &[b'r'; 9000]);
        assert_eq!((ld.line.capacity(), ld.ready.capacity()), (line, ready));
    }

    #[test]
    fn canonical_room_counts_the_line_being_edited() {
        let mut ld = LineDiscipline::default();
        feed(&mut ld, b"abc");
        assert_eq!(ld.room(), INPUT_CAPACITY - 3);
        feed(&mut ld, b"\n");
        assert_eq!(ld.room(), INPUT_CAPACITY - 4);
    }

    #[test]
    fn word_erase_reprint_and_literal_next() {
        let mut ld = LineDiscipline::default();
        assert_eq!(
            feed(&mut ld, b"echo one two  \x17"),
            b"echo one two  \x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08"
        );
        assert_eq!(feed(&mut ld, b"\x12"), b"^R\necho one ");
        // ^V^C: a literal ETX in the line, no SIGINT; echoed as ^C.
        let mut echo = Vec::new();
        for &b in b"\x16\x03" {
            let fx = ld.input(b);
            assert_eq!(fx.signal, None);
            echo.extend(fx.echo);
        }
        assert_eq!(echo, b"^\x08^C");
        feed(&mut ld, b"\n");
        let mut buf = [0u8; 64];
        let n = ld.read(&mut buf);
        assert_eq!(&buf[..n], b"echo one \x03\n");
    }

    #[test]
    fn a_disabled_control_character_is_an_ordinary_byte() {
        let mut ld = LineDiscipline::default();
        ld.termios.cc[VINTR] = 0;
        ld.termios.lflag &= !ICANON;
        assert_eq!(ld.input(0).signal, None);
        assert_eq!(ld.input(0x03).signal, None);
        assert_eq!(ld.pending(), 2);
    }

    #[test]
    fn termios_round_trips_and_onlcr() {
        let t = Termios::default();
        assert_eq!(Termios::from_bytes(&t.to_bytes()), t);
        let ld = LineDiscipline::default();
        let mut out = Vec::new();
        ld.output(b"a\nb", &mut out);
        assert_eq!(out, b"a\r\nb");
    }
}
