//! The shell-facing half of a console session: the `run` protocol
//! (markers, lost-line detection), prompts and quiet periods, on top of the
//! expect engine and event pump in `session.rs`.

use std::time::Duration;

use regex::Regex;

use super::{Console, ConsoleError, RunOutput, LOST_LINE_GRACE};

impl Console {
    /// Waits for the shell prompt.
    pub fn wait_prompt(&mut self, timeout: Duration) -> Result<(), ConsoleError> {
        let prompt = self.settings.prompt.clone();
        self.expect(&prompt, timeout, &format!("the shell prompt /{}/", prompt.as_str())).map(|_| ())
    }

    /// Runs one shell command line and returns its output and exit status.
    ///
    /// The line is wrapped so the shell prints a begin and an end marker
    /// around the command's output. Each marker is typed as two quoted halves
    /// (`'@@XT-BEG' '-7'`) that only the shell joins: the terminal's echo of
    /// the typed line can never match a marker. `eval` keeps the command in
    /// the current shell (so `cd` and variables persist) and lets it end with
    /// `&` or a comment.
    pub fn run(&mut self, id: &str, command: &str, timeout: Duration) -> Result<RunOutput, ConsoleError> {
        let quoted = command.replace('\'', r"'\''");
        let line = format!(
            "printf '%s%s\\n' '@@XT-BEG' '-{id}'; eval '{quoted}'; printf '\\n%s%s:%s\\n' '@@XT-END' '-{id}' \"$?\"\n"
        );
        let mark = self.screen.end();
        self.send(line.as_bytes())?;
        let begin = Regex::new(&format!(r"@@XT-BEG-{}\n", regex::escape(id))).expect("marker regex");
        let end = Regex::new(&format!(r"\n@@XT-END-{}:(\d+)\n", regex::escape(id))).expect("marker regex");
        let deadline = self.guest.now() + timeout.as_secs_f64();
        let what = format!("the end of `{command}`");
        self.wait_begin(&begin, mark, timeout, &what)?;
        let left = Duration::from_secs_f64((deadline - self.guest.now()).max(0.001));
        let found = self.expect(&end, left, &what).map_err(|e| match e {
            // The command started: keep what it printed before the deadline
            // (the text after the begin marker) for the report.
            ConsoleError::Timeout { waiting_for, tail, .. } => {
                ConsoleError::Timeout { waiting_for, tail, partial: Some(self.screen.pending().to_string()) }
            }
            other => other,
        })?;
        let status = found.groups.first().cloned().flatten().and_then(|s| s.parse().ok()).unwrap_or(-1);
        // Kernel log lines on the console cannot be told apart from a command
        // that prints them itself (`dmesg`): keep both views and let checks
        // use either. The markers were found with noise removed, so noise
        // never breaks the protocol itself.
        Ok(RunOutput { output: found.before_raw, clean: found.before, status })
    }

    /// Waits for a `run` line's begin marker. Fails fast when the shell sits
    /// at a prompt printed after `mark` (where the line was typed) for
    /// `LOST_LINE_GRACE` with nothing else printed: the line was lost.
    fn wait_begin(&mut self, begin: &Regex, mark: usize, timeout: Duration, what: &str) -> Result<(), ConsoleError> {
        let prompt = self.settings.prompt.clone();
        let mut idle_since: Option<(usize, f64)> = None;
        self.wait_for(timeout, what, |c| {
            if c.screen.find(begin, &c.settings.noise).is_some() {
                return Some(Ok(()));
            }
            if let Err(e) = c.check_state() {
                return Some(Err(e));
            }
            if !c.screen.ends_with_from(mark, &prompt, &c.settings.noise) {
                idle_since = None;
                return None;
            }
            let (end, now) = (c.screen.end(), c.guest.now());
            match idle_since {
                Some((at, since)) if at == end => {
                    (now - since >= LOST_LINE_GRACE).then(|| Err(ConsoleError::LineLost { tail: c.screen.tail(20) }))
                }
                _ => {
                    idle_since = Some((end, now));
                    None
                }
            }
        })
    }

    /// Reads for `duration`; fails as soon as text matching `unexpected`
    /// (noise removed) arrives. Output from before the call does not count.
    pub fn quiet(&mut self, duration: Duration, unexpected: &Regex) -> Result<(), ConsoleError> {
        let mark = self.screen.end();
        let r = self.wait_for(duration, "nothing", |c| {
            if let Some((_, line)) = c.screen.find_from(mark, unexpected, &c.settings.noise) {
                return Some(Err(ConsoleError::Unexpected { text: line, tail: c.screen.tail(20) }));
            }
            c.check_state().err().map(Err)
        });
        match r {
            Err(ConsoleError::Timeout { .. }) => Ok(()),
            other => other,
        }
    }
}
