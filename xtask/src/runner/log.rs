//! The run's event log: timestamps events, keeps them for the reports and
//! shows progress as they arrive. Shared between test threads.

use std::sync::Mutex;
use std::time::Instant;

use crate::event::{Event, EventKind, Outcome, TestId};

pub struct EventLog {
    started: Instant,
    events: Mutex<Vec<Event>>,
    progress: Progress,
}

/// How progress is shown on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Nothing (e.g. `--json` prints one document at the end).
    Quiet,
    /// One plain line per suite, test and failure; on a terminal (`live`)
    /// also a status line showing the step under way, rewritten in place.
    Lines { color: bool, live: bool },
}

impl Progress {
    /// Plain lines; colour only on a terminal and when NO_COLOR is unset.
    pub fn detect() -> Progress {
        use std::io::IsTerminal;
        let tty = std::io::stderr().is_terminal();
        let plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Progress::Lines { color: tty && !plain, live: tty && !plain }
    }
}

impl EventLog {
    pub fn new(progress: Progress) -> EventLog {
        EventLog { started: Instant::now(), events: Mutex::new(Vec::new()), progress }
    }

    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    pub fn push(&self, kind: EventKind) {
        self.show(&kind);
        let event = Event { t: self.elapsed(), kind };
        if let Ok(mut events) = self.events.lock() {
            events.push(event);
        }
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// A free-form progress line (artifact builds, accelerator choice).
    pub fn note(&self, line: &str) {
        match self.progress {
            Progress::Lines { live: true, .. } => eprintln!("\r\x1b[K  {line}"),
            Progress::Lines { .. } => eprintln!("  {line}"),
            Progress::Quiet => {}
        }
    }

    fn show(&self, kind: &EventKind) {
        let Progress::Lines { color, live } = self.progress else { return };
        if live {
            // Clear the status line before anything else is printed.
            eprint!("\r\x1b[K");
        }
        let paint =
            |code: &str, text: &str| if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() };
        match kind {
            EventKind::SuiteStarted { suite, title, tests, .. } => {
                eprintln!("{} {} on {}: {title} ({} tests)", paint("1", "==>"), suite.phase, suite.profile, tests.len())
            }
            EventKind::TestSkipped { test, reason } => {
                eprintln!("  {} {} ({reason})", paint("33", "SKIP"), name(test))
            }
            EventKind::StepFinished { outcome: Outcome::Failed { message }, index, test, .. } => {
                eprintln!("       {} step {index}: {}", name(test), paint("31", message))
            }
            EventKind::TestFinished { test, outcome, seconds, .. } => {
                let (tag, code) = match outcome {
                    Outcome::Passed => ("PASS", "32"),
                    Outcome::Failed { .. } => ("FAIL", "31"),
                    Outcome::Skipped { .. } => ("SKIP", "33"),
                };
                eprintln!("  {} {} ({seconds:.1}s)", paint(code, tag), name(test));
            }
            EventKind::StepStarted { test, description, .. } if live => {
                let mut line = format!("  ... {}: {description}", name(test));
                line.truncate(100);
                eprint!("{line}");
            }
            EventKind::Panic { text, .. } => {
                for line in text.lines().rev().take(12).collect::<Vec<_>>().into_iter().rev() {
                    eprintln!("       | {line}");
                }
            }
            _ => {}
        }
    }
}

/// `phase/test [profile]`: tests of several suites finish interleaved.
fn name(test: &TestId) -> String {
    format!("{}/{} [{}]", test.suite.phase, test.test, test.suite.profile)
}
