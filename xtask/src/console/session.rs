//! A console session over one boot: the expect engine ([`Screen`]) fed from a
//! [`Guest`], with everything it receives recorded to the test's transcript
//! and every whole line checked for panics, boot markers and METRIC values.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use regex::Regex;

use super::guest::{Guest, Recv};
use super::screen::{Found, Screen};
use super::transcript::Writer;

/// Lines kept before a panic line, and lines collected after it.
const PANIC_CONTEXT_BEFORE: usize = 30;
const PANIC_CONTEXT_AFTER: usize = 40;
/// How long to keep reading after a panic for the rest of its report.
const PANIC_GRACE: Duration = Duration::from_millis(1500);
/// Warning lines listed per boot; a kernel dump (an OOM report) can print
/// hundreds, and the serial log keeps them all.
const MAX_WARNINGS: usize = 100;
/// Longest sleep between two looks at a waited-for condition, so that
/// conditions about silence ("nothing new for 3 s") are noticed in time.
const TICK: Duration = Duration::from_millis(250);
/// How long the shell may sit at a fresh prompt, with our command line
/// typed, before the line counts as lost (it never takes this long to start
/// a line's first builtin, even under TCG).
const LOST_LINE_GRACE: f64 = 3.0;

/// What the console needs to know from the profile.
#[derive(Debug, Clone)]
pub struct Settings {
    pub prompt: Regex,
    pub panic: Vec<Regex>,
    pub noise: Vec<Regex>,
    /// Whole lines that are kernel warnings once `arm_warnings` was called.
    pub warning: Vec<Regex>,
    pub markers: Vec<String>,
    pub buffer_limit: usize,
}

/// Things noticed while reading, for the runner to log as events.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    Marker {
        marker: String,
        at: f64,
    },
    Metric {
        name: String,
        value: f64,
    },
    /// A `warning` line after the guest was ready.
    Warning {
        line: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConsoleError {
    /// Nothing matched in time. `tail` is the end of the console text.
    Timeout {
        waiting_for: String,
        tail: String,
        /// For a `run` whose command started but did not end in time: what
        /// it printed before the deadline.
        partial: Option<String>,
    },
    /// A panic pattern matched: the panic line with the lines around it,
    /// and the line that matched.
    Panic {
        text: String,
        line: String,
    },
    /// QEMU exited while something else was expected (`signal`: it died
    /// from one, e.g. SIGSEGV when QEMU itself crashed).
    Exited {
        status: Option<i32>,
        signal: Option<i32>,
        tail: String,
    },
    /// `quiet`: output that should not have come.
    Unexpected {
        text: String,
        tail: String,
    },
    /// `run`: the shell printed a prompt after the line was typed and sat
    /// there, never starting it (input lost, e.g. swallowed by a job).
    LineLost {
        tail: String,
    },
    Io(String),
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsoleError::Timeout { waiting_for, .. } => write!(f, "timed out waiting for {waiting_for}"),
            // A `console.panic` pattern also catches firmware failures
            // (an exception, the UEFI shell): say which it was.
            ConsoleError::Panic { line, .. } if line.to_lowercase().contains("panic") => {
                write!(f, "kernel panic: {}", line.trim())
            }
            ConsoleError::Panic { line, .. } => write!(f, "boot failed: {}", line.trim()),
            ConsoleError::Exited { status: Some(s), .. } => write!(f, "QEMU exited unexpectedly with status {s}"),
            ConsoleError::Exited { status: None, signal: Some(sig), .. } => write!(
                f,
                "QEMU died from signal {sig} ({}){}",
                signal_name(*sig),
                if *sig == 9 { "" } else { ": QEMU itself crashed (see its stderr log)" }
            ),
            ConsoleError::Exited { status: None, .. } => write!(f, "QEMU was killed unexpectedly"),
            ConsoleError::Unexpected { text, .. } => {
                write!(f, "unexpected output while the console should stay quiet: {:?}", text)
            }
            ConsoleError::LineLost { .. } => {
                write!(f, "the shell printed a prompt after the command line was typed and never ran it (input lost?)")
            }
            ConsoleError::Io(e) => write!(f, "console I/O error: {e}"),
        }
    }
}

/// Result of a `run` command.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutput {
    /// What the guest printed between the markers, kernel log lines included.
    pub output: String,
    /// The same with `console.noise` (kernel log lines) removed.
    pub clean: String,
    pub status: i32,
}

pub struct Console {
    guest: Box<dyn Guest>,
    screen: Screen,
    settings: Settings,
    /// The test's transcript, shared by all its boots.
    transcript: Rc<RefCell<Writer>>,
    /// Test-relative time at which this boot started (transcript clock).
    t0: f64,
    next_marker: usize,
    recent: VecDeque<String>,
    notes: Vec<Note>,
    exited: Option<Option<i32>>,
    panic: Option<String>,
    /// The line that matched a panic pattern.
    panic_line: String,
    /// Warning lines count from now on (the boot's own log is not judged).
    warnings_armed: bool,
    warnings_seen: usize,
}

impl Console {
    pub fn new(guest: Box<dyn Guest>, settings: Settings, transcript: Rc<RefCell<Writer>>, t0: f64) -> Console {
        Console {
            guest,
            screen: Screen::new(settings.buffer_limit),
            settings,
            transcript,
            t0,
            next_marker: 0,
            recent: VecDeque::new(),
            notes: Vec::new(),
            exited: None,
            panic: None,
            panic_line: String::new(),
            warnings_armed: false,
            warnings_seen: 0,
        }
    }

    /// Seconds since this boot started.
    pub fn now(&self) -> f64 {
        self.guest.now()
    }

    pub fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// From now on, lines matching the profile's `console.warning` are
    /// reported (called once the guest is ready: boot logs are not judged).
    pub fn arm_warnings(&mut self) {
        self.warnings_armed = true;
    }

    /// Warning lines stop counting (a shutdown's own messages, such as
    /// Linux's `reboot: Power down` at emergency level, are not warnings).
    pub fn disarm_warnings(&mut self) {
        self.warnings_armed = false;
    }

    /// Markers not seen (yet), in order.
    pub fn missing_markers(&self) -> &[String] {
        &self.settings.markers[self.next_marker.min(self.settings.markers.len())..]
    }

    pub fn exit_status(&self) -> Option<Option<i32>> {
        self.exited
    }

    /// The console text of this boot kept so far (escape sequences removed).
    pub fn text(&self) -> &str {
        self.screen.text()
    }

    pub fn tail(&self, lines: usize) -> String {
        self.screen.tail(lines)
    }

    pub fn triage(&mut self) -> Vec<(String, String)> {
        self.guest.triage()
    }

    /// Receives one event (waiting at most `timeout`) and processes it.
    /// Returns false on timeout.
    fn pump(&mut self, timeout: Duration) -> bool {
        if self.exited.is_some() {
            return false;
        }
        match self.guest.recv(timeout) {
            Recv::Output(bytes) => {
                let mut taken = bytes.len();
                self.take_output(&bytes);
                // Take what is already waiting before the caller searches
                // the screen again: each search reads all the text since
                // the cursor, so one search per small chunk is quadratic. A
                // guest printing a 5 MB burst of kernel log in small writes
                // was read at a few kB/s, the step timed out and the guest
                // looked hung. The cap keeps one batch well inside the
                // screen's buffer, so nothing unsearched is dropped by it.
                let cap = (self.settings.buffer_limit / 4).max(64 * 1024);
                while taken < cap {
                    match self.guest.recv(Duration::ZERO) {
                        Recv::Output(more) => {
                            taken += more.len();
                            self.take_output(&more);
                        }
                        Recv::Exited(status) => {
                            self.take_exit(status);
                            break;
                        }
                        Recv::Timeout => break,
                    }
                }
                true
            }
            Recv::Exited(status) => {
                self.take_exit(status);
                true
            }
            Recv::Timeout => false,
        }
    }

    fn take_output(&mut self, bytes: &[u8]) {
        let t = self.t0 + self.guest.now();
        // A failing transcript write must not fail the test; the report
        // notes a short transcript instead.
        let _ = self.transcript.borrow_mut().output(t, bytes);
        self.screen.feed(bytes);
        self.scan_lines();
    }

    fn take_exit(&mut self, status: Option<i32>) {
        let t = self.t0 + self.guest.now();
        let _ = self.transcript.borrow_mut().exit(t, status);
        self.exited = Some(status);
        // A final line without newline still counts.
        self.screen.feed(b"\n");
        self.scan_lines();
    }

    /// Reads on for a moment after a panic so the report has the whole
    /// message, then returns the panic error.
    fn panic_error(&mut self) -> ConsoleError {
        let until = self.guest.now() + PANIC_GRACE.as_secs_f64();
        while self.exited.is_none() && self.guest.now() < until {
            let left = Duration::from_secs_f64((until - self.guest.now()).max(0.001));
            if !self.pump(left) {
                break;
            }
        }
        ConsoleError::Panic { text: self.panic.clone().unwrap_or_default(), line: self.panic_line.clone() }
    }

    fn check_state(&mut self) -> Result<(), ConsoleError> {
        if self.panic.is_some() {
            return Err(self.panic_error());
        }
        if let Some(status) = self.exited {
            let signal = self.guest.exit_signal();
            return Err(ConsoleError::Exited { status, signal, tail: self.screen.tail(20) });
        }
        Ok(())
    }

    /// Reads until `ready` returns a result or `timeout` passes on the
    /// guest's clock. `ready` sees the state after every event, so panics and
    /// exits are judged the moment they happen.
    fn wait_for<T>(
        &mut self,
        timeout: Duration,
        what: &str,
        mut ready: impl FnMut(&mut Self) -> Option<Result<T, ConsoleError>>,
    ) -> Result<T, ConsoleError> {
        let deadline = self.guest.now() + timeout.as_secs_f64();
        loop {
            if let Some(result) = ready(self) {
                return result;
            }
            // Less than a microsecond left counts as none: a replayed clock
            // advanced by a sub-nanosecond Duration would never get there.
            let left = deadline - self.guest.now();
            let got_event = left > 1e-6 && self.pump(Duration::from_secs_f64(left).min(TICK));
            if !got_event && self.guest.now() + 1e-6 >= deadline {
                return ready(self).unwrap_or_else(|| {
                    Err(ConsoleError::Timeout {
                        waiting_for: what.to_string(),
                        tail: self.screen.tail(20),
                        partial: None,
                    })
                });
            }
        }
    }

    /// Waits until `re` matches output after the cursor (noise removed).
    pub fn expect(&mut self, re: &Regex, timeout: Duration, what: &str) -> Result<Found, ConsoleError> {
        self.wait_for(timeout, what, |c| match c.screen.find(re, &c.settings.noise) {
            Some(found) => Some(Ok(found)),
            None => c.check_state().err().map(Err),
        })
    }

    pub fn send(&mut self, bytes: &[u8]) -> Result<(), ConsoleError> {
        self.check_state()?;
        let t = self.t0 + self.guest.now();
        let _ = self.transcript.borrow_mut().input(t, bytes);
        self.guest.send(bytes).map_err(|e| ConsoleError::Io(e.to_string()))
    }

    /// Waits for QEMU to exit and returns its status.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<Option<i32>, ConsoleError> {
        self.wait_for(timeout, "QEMU to exit", |c| {
            if c.panic.is_some() {
                return Some(Err(c.panic_error()));
            }
            c.exited.map(Ok)
        })
    }

    /// Waits for a panic pattern; the expected outcome of `expect_panic`.
    pub fn wait_panic(&mut self, timeout: Duration) -> Result<String, ConsoleError> {
        self.wait_for(timeout, "a kernel panic", |c| {
            if c.panic.is_some() {
                return Some(match c.panic_error() {
                    ConsoleError::Panic { text, .. } => Ok(text),
                    other => Err(other),
                });
            }
            let signal = c.guest.exit_signal();
            c.exited.map(|status| Err(ConsoleError::Exited { status, signal, tail: c.screen.tail(20) }))
        })
    }

    /// Lets `duration` pass while still reading (and checking) output.
    pub fn idle(&mut self, duration: Duration) -> Result<(), ConsoleError> {
        match self.wait_for(duration, "nothing", |c| c.check_state().err().map(Err::<(), _>)) {
            Err(ConsoleError::Timeout { .. }) => Ok(()),
            other => other,
        }
    }

    /// Power cut: stops QEMU at once and records it.
    pub fn kill(&mut self) {
        self.guest.kill();
        if self.exited.is_none() {
            let _ = self.transcript.borrow_mut().exit(self.t0 + self.guest.now(), None);
            self.exited = Some(None);
        }
    }

    /// Hands a running guest to the next test: its output now goes to
    /// `transcript`, timed from this moment.
    pub fn retarget(&mut self, transcript: Rc<RefCell<Writer>>) {
        self.transcript = transcript;
        self.t0 = -self.guest.now();
        self.notes.clear();
    }
}

#[path = "session_scan.rs"]
mod scan;
#[cfg(test)]
use scan::parse_metric;
use scan::signal_name;

#[path = "session_protocol.rs"]
mod protocol;

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
