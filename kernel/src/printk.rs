//! The kernel log: a ring buffer of timestamped lines (`dmesg` reads it
//! through syslog(2)) and the console output of lines at or below the
//! console log level (`dmesg -n`).

use core::fmt::{self, Write};

use spin::Mutex;

use crate::arch::{self, IrqGuard};
use crate::drivers::uart_pl011::{Pl011, EARLY_BASE};

/// Ring capacity (Linux's default `CONFIG_LOG_BUF_SHIFT=17`).
const LOG_SIZE: usize = 128 << 10;

/// Linux log levels (KERN_*).
pub const LEVEL_ERR: u8 = 3;
pub const LEVEL_WARNING: u8 = 4;
pub const LEVEL_INFO: u8 = 6;
pub const LEVEL_DEBUG: u8 = 7;

struct Log {
    buf: [u8; LOG_SIZE],
    /// Total bytes ever written; the ring holds the last `LOG_SIZE`.
    written: usize,
    console_level: u8,
    console: Option<Pl011>,
    /// `console_msg_format=syslog`: console lines start with `<level>`.
    syslog_format: bool,
}

static LOG: Mutex<Log> =
    Mutex::new(Log { buf: [0; LOG_SIZE], written: 0, console_level: 7, console: None, syslog_format: false });

impl Log {
    fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.buf[self.written % LOG_SIZE] = b;
            self.written += 1;
        }
    }
}

/// Sets up the early console (QEMU virt's fixed PL011 address).
pub fn init_early() {
    let _irq = IrqGuard::new();
    LOG.lock().console = Pl011::new(EARLY_BASE, 0x1000);
}

/// Writes bytes to the console exactly as given (the TTY did the output
/// processing).
pub fn console_write_raw(bytes: &[u8]) {
    let _irq = IrqGuard::new();
    if let Some(c) = &LOG.lock().console {
        c.write_raw(bytes);
    }
}

/// Formats straight to the console (not the log), without allocating:
/// usable before the heap exists.
pub fn console_print(args: fmt::Arguments) {
    struct Console<'a>(&'a Pl011);
    impl Write for Console<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let _irq = IrqGuard::new();
    if let Some(c) = &LOG.lock().console {
        let _ = Console(c).write_fmt(args);
    }
}

/// The console level (`dmesg -n`): messages with a level below it are printed.
pub fn set_console_level(level: u8) {
    LOG.lock().console_level = level.clamp(1, 8);
}

/// Copies the log (oldest first) into `out`; returns the byte count.
pub fn read_all(out: &mut [u8]) -> usize {
    let log = LOG.lock();
    let held = log.written.min(LOG_SIZE);
    let start = log.written - held;
    let n = held.min(out.len());
    // The newest `n` bytes when `out` is smaller than the log.
    let skip = held - n;
    for (i, slot) in out.iter_mut().take(n).enumerate() {
        *slot = log.buf[(start + skip + i) % LOG_SIZE];
    }
    n
}

pub fn size() -> usize {
    let log = LOG.lock();
    log.written.min(LOG_SIZE)
}

/// Drops the log's contents (syslog `SYSLOG_ACTION_CLEAR`).
pub fn clear() {
    LOG.lock().written = 0;
}

struct LineWriter<'a> {
    log: &'a mut Log,
    to_console: bool,
}

impl Write for LineWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.log.push(s.as_bytes());
        if self.to_console {
            if let Some(c) = &self.log.console {
                c.write(s.as_bytes());
            }
        }
        Ok(())
    }
}

/// Applies the kernel command line's `console_msg_format=syslog` (Linux's
/// parameter): console lines then carry their level, `<4>[    1.000000] ...`,
/// so a harness can tell a warning from a command's output; the log read
/// by dmesg is unchanged.
pub fn configure(cmdline: &str) {
    let syslog = cmdline.split_whitespace().any(|a| a == "console_msg_format=syslog");
    let _irq = IrqGuard::new();
    LOG.lock().syslog_format = syslog;
}

/// Logs one line at `level` with a `[seconds.micros] ` stamp.
pub fn log(level: u8, args: fmt::Arguments) {
    let _irq = IrqGuard::new();
    let mut log = LOG.lock();
    let to_console = level < log.console_level;
    if to_console && log.syslog_format {
        if let Some(c) = &log.console {
            c.write(&[b'<', b'0' + level.min(7), b'>']);
        }
    }
    let ns = arch::timer::now_ns();
    let mut w = LineWriter { log: &mut log, to_console };
    let _ = write!(w, "[{:5}.{:06}] ", ns / 1_000_000_000, (ns / 1000) % 1_000_000);
    let _ = w.write_fmt(args);
    let _ = w.write_str("\n");
}

/// Writes to the console even when the log lock is held (panics): the
/// lock is bypassed with a fresh handle on the same UART.
pub fn emergency_write(args: fmt::Arguments) {
    struct Raw(Option<Pl011>);
    impl Write for Raw {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            if let Some(c) = &self.0 {
                c.write(s.as_bytes());
            }
            Ok(())
        }
    }
    let mut raw = Raw(Pl011::new(EARLY_BASE, 0x1000));
    let _ = raw.write_fmt(args);
    if let Some(mut log) = LOG.try_lock() {
        let mut w = LineWriter { log: &mut log, to_console: false };
        let _ = w.write_fmt(args);
    }
}

/// `printk!("...")` logs at KERN_INFO; `printk!(LEVEL, "...")` at a level.
#[macro_export]
macro_rules! printk {
    ($fmt:literal $($arg:tt)*) => {
        $crate::printk::log($crate::printk::LEVEL_INFO, format_args!($fmt $($arg)*))
    };
    ($level:expr, $fmt:literal $($arg:tt)*) => {
        $crate::printk::log($level, format_args!($fmt $($arg)*))
    };
}
