//! The state letter procfs shows for a process (`/proc/<pid>/stat` and
//! `status`), kept here so that it follows the process states defined in
//! this module.

use super::{current_pid, Process, State};

impl Process {
    /// Z (zombie), T (stopped), S (waiting for an event, and not the
    /// process that asks), else R (running or runnable).
    pub fn state_letter(&self) -> char {
        match self.state {
            State::Zombie(_) => 'Z',
            State::Stopped(_) => 'T',
            State::Running if self.wait_seq.is_some() && self.pid != current_pid() => 'S',
            State::Running => 'R',
        }
    }
}
