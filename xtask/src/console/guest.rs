//! The transport under a console: a live QEMU (`qemu::process`) or a
//! recorded transcript ([`ReplayGuest`]). Both keep their own clock, in
//! seconds since the boot began, so deadlines mean the same thing in both.

use std::collections::VecDeque;
use std::time::Duration;

use super::transcript::RecordedBoot;

#[derive(Debug, Clone, PartialEq)]
pub enum Recv {
    Output(Vec<u8>),
    /// QEMU is gone; `None` when it had no exit status (killed by a signal).
    Exited(Option<i32>),
    /// Nothing arrived within the timeout.
    Timeout,
}

pub trait Guest {
    /// Waits up to `timeout` for the next event.
    fn recv(&mut self, timeout: Duration) -> Recv;
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Seconds since this boot started, on the guest's clock.
    fn now(&self) -> f64;
    /// Stops the machine at once, without any shutdown (a power cut).
    fn kill(&mut self);
    /// Diagnostics for a hang: `(title, text)` pairs such as QEMU's run state
    /// and registers.
    fn triage(&mut self) -> Vec<(String, String)>;
    /// The signal that ended the machine's process, once it was reaped
    /// (a crash of QEMU itself, or our own kill); None for a replay.
    fn exit_signal(&self) -> Option<i32> {
        None
    }
}

/// Plays one recorded boot back: output arrives at its recorded times on a
/// virtual clock, so replay is instant yet deadlines fire where they would have.
pub struct ReplayGuest {
    output: VecDeque<(f64, String)>,
    exit: Option<(f64, Option<i32>)>,
    now: f64,
}

impl ReplayGuest {
    pub fn new(boot: RecordedBoot) -> ReplayGuest {
        let exit = boot.exit.map(|status| (boot.exit_at.unwrap_or(f64::MAX), status));
        ReplayGuest { output: boot.output.into(), exit, now: 0.0 }
    }
}

impl Guest for ReplayGuest {
    fn recv(&mut self, timeout: Duration) -> Recv {
        let limit = self.now + timeout.as_secs_f64();
        if let Some((t, _)) = self.output.front() {
            if *t <= limit {
                let (t, data) = self.output.pop_front().expect("front exists");
                self.now = self.now.max(t);
                return Recv::Output(data.into_bytes());
            }
        }
        if self.output.is_empty() {
            if let Some((t, status)) = self.exit {
                if t <= limit {
                    self.now = self.now.max(t);
                    self.exit = None;
                    return Recv::Exited(status);
                }
            }
        }
        self.now = limit;
        Recv::Timeout
    }

    fn send(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Ok(())
    }

    fn now(&self) -> f64 {
        self.now
    }

    fn kill(&mut self) {
        self.output.clear();
        self.exit = Some((self.now, None));
    }

    fn triage(&mut self) -> Vec<(String, String)> {
        vec![("replay".into(), "the transcript ends here: the recorded run hung or was cut off".into())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_orders_output_and_timeouts() {
        let boot = RecordedBoot {
            output: vec![(0.5, "a".into()), (2.0, "b".into())],
            exit: Some(Some(0)),
            exit_at: Some(3.0),
            restored: false,
        };
        let mut g = ReplayGuest::new(boot);
        assert_eq!(g.recv(Duration::from_secs(1)), Recv::Output(b"a".to_vec()));
        assert_eq!(g.recv(Duration::from_secs(1)), Recv::Timeout, "b is at 2.0 > 1.5");
        assert_eq!(g.now(), 1.5);
        assert_eq!(g.recv(Duration::from_secs(1)), Recv::Output(b"b".to_vec()));
        assert_eq!(g.recv(Duration::from_secs(5)), Recv::Exited(Some(0)));
    }
}
