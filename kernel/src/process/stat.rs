//! The text procfs shows about a process (`/proc/<pid>/stat`), kept apart
//! from procfs.rs so that the state letters follow the process states
//! defined here.

use alloc::string::String;

use super::{current_pid, with_pid, Process, State};

impl Process {
    /// The state letter of `/proc/<pid>/stat` and `/proc/<pid>/status`:
    /// Z, T (stopped), R for the process that asks (the current one), else S.
    pub fn state_letter(&self) -> char {
        match self.state {
            State::Zombie(_) => 'Z',
            State::Stopped(_) => 'T',
            State::Running if self.pid == current_pid() => 'R',
            State::Running => 'S',
        }
    }
}

/// `/proc/<pid>/stat` (the fields `ps` reads are real; the rest 0).
pub fn stat_line(pid: u32) -> Option<String> {
    with_pid(pid, |p| {
        let state = p.state_letter();
        let vsize = p.brk.saturating_sub(p.brk_start);
        alloc::format!(
            "{} ({}) {state} {} {} {} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 {} {vsize} 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
            p.pid, p.name, p.ppid, p.pgid, p.sid, p.start_ticks
        )
    })
}
