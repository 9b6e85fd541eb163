//! Runs one test: its steps in order over one or more boots, every
//! observation logged as events. The first failing step ends the test.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::config::{Profile, Step, Test};
use crate::console::session::{Console, ConsoleError, Note};
use crate::console::transcript::{TranscriptInfo, Writer};
use crate::event::{EventKind, Outcome, TestId};

use super::checks::profile_vars;
use super::launch::Launcher;
use super::log::EventLog;
use super::test_fixtures::Running;

/// Everything one test needs.
pub struct TestContext<'a> {
    pub profile: &'a Profile,
    pub id: TestId,
    /// Directory of this suite's files in the report, and its path relative
    /// to the report root (for links in events).
    pub dir: PathBuf,
    pub rel_dir: String,
    pub log: &'a EventLog,
}

pub(super) struct StepFailure {
    pub(super) message: String,
    /// Diagnostics to attach as triage events.
    triage: Vec<(String, String)>,
}

impl From<ConsoleError> for StepFailure {
    fn from(e: ConsoleError) -> Self {
        let mut triage = Vec::new();
        match &e {
            ConsoleError::Timeout { tail, .. }
            | ConsoleError::Exited { tail, .. }
            | ConsoleError::Unexpected { tail, .. }
            | ConsoleError::LineLost { tail } => triage.push(("console tail".to_string(), tail.clone())),
            ConsoleError::Panic { .. } | ConsoleError::Io(_) => {}
        }
        StepFailure { message: e.to_string(), triage }
    }
}

pub(super) fn fail(message: impl Into<String>) -> StepFailure {
    StepFailure { message: message.into(), triage: Vec::new() }
}

/// Runs `test`. `inherited` is the running guest of the previous `shared`
/// test, if any; with `keep`, a guest still running after a passed test is
/// handed back for the next one instead of being stopped.
pub fn run_test(
    ctx: &TestContext,
    test: &Test,
    launcher: &mut dyn Launcher,
    inherited: Option<Console>,
    keep: bool,
) -> (Outcome, Option<Console>) {
    let log = ctx.log;
    let started = Instant::now();
    log.push(EventKind::TestStarted { test: ctx.id.clone() });
    let cast_name = format!("{}.cast", test.name);
    let info = TranscriptInfo {
        profile: ctx.profile.name.clone(),
        phase: ctx.id.suite.phase.clone(),
        test: test.name.clone(),
    };
    let writer = match Writer::create(&ctx.dir.join(&cast_name), info, ctx.profile.console.transcript_limit) {
        Ok(w) => Rc::new(RefCell::new(w)),
        Err(e) => return (fail_before_start(ctx, format!("{e:#}")), None),
    };
    let mut runner = TestRun {
        ctx,
        test,
        started,
        console: None,
        boots: 0,
        seq: 0,
        vars: profile_vars(ctx.profile),
        metrics: BTreeMap::new(),
        budget: test.timeout.unwrap_or(ctx.profile.timeouts.test),
        inherited,
    };
    let fixtures = match Running::start(&test.fixtures, &mut runner.vars) {
        Ok(f) => f,
        Err(e) => return (fail_before_start(ctx, format!("cannot start the test's fixtures: {e}")), None),
    };
    let mut outcome = Outcome::Passed;
    for (index, step) in test.steps.iter().enumerate() {
        if crate::qemu::process::interrupted() {
            outcome = Outcome::Failed { message: "interrupted".into() };
            break;
        }
        log.push(EventKind::StepStarted { test: ctx.id.clone(), index, description: step.label.clone() });
        let result = runner.step(index, step, launcher, &writer);
        runner.flush_notes();
        match result {
            Ok(done) => log.push(EventKind::StepFinished {
                test: ctx.id.clone(),
                index,
                outcome: Outcome::Passed,
                output: done.output,
                exit_status: done.status,
            }),
            Err((failure, done)) => {
                for (title, text) in failure.triage {
                    log.push(EventKind::Triage { test: ctx.id.clone(), title, text });
                }
                let failed = Outcome::Failed { message: format!("step {index} ({}): {}", step.label, failure.message) };
                log.push(EventKind::StepFinished {
                    test: ctx.id.clone(),
                    index,
                    outcome: Outcome::Failed { message: failure.message },
                    output: done.output,
                    exit_status: done.status,
                });
                outcome = failed;
                break;
            }
        }
    }
    let handed_over = if keep && !outcome.is_failure() && runner.alive() {
        runner.flush_notes();
        runner.console.take()
    } else {
        runner.shutdown();
        None
    };
    for line in fixtures.traffic() {
        runner.note(&line);
    }
    drop(fixtures);
    let _ = writer.borrow_mut().flush();
    let seconds = started.elapsed().as_secs_f64();
    log.push(EventKind::TestFinished {
        test: ctx.id.clone(),
        outcome: outcome.clone(),
        seconds,
        transcript: Some(format!("{}/{cast_name}", ctx.rel_dir)),
    });
    (outcome, handed_over)
}

/// Ends a test that could not even start its first step.
fn fail_before_start(ctx: &TestContext, message: String) -> Outcome {
    let outcome = Outcome::Failed { message };
    ctx.log.push(EventKind::TestFinished {
        test: ctx.id.clone(),
        outcome: outcome.clone(),
        seconds: 0.0,
        transcript: None,
    });
    outcome
}

/// What a finished step reports besides pass/fail.
#[derive(Default, Clone)]
pub(super) struct Done {
    pub(super) output: Option<String>,
    pub(super) status: Option<i32>,
}

pub(super) struct TestRun<'a> {
    pub(super) ctx: &'a TestContext<'a>,
    pub(super) test: &'a Test,
    pub(super) started: Instant,
    pub(super) console: Option<Console>,
    pub(super) boots: u32,
    pub(super) seq: u32,
    pub(super) vars: BTreeMap<String, String>,
    pub(super) metrics: BTreeMap<String, f64>,
    pub(super) budget: Duration,
    pub(super) inherited: Option<Console>,
}

impl<'a> TestRun<'a> {
    /// The step's deadline: its own or the profile's, never past the test's.
    pub(super) fn timeout(&self, step: &Step, default: Duration) -> Duration {
        let left = self.budget.saturating_sub(self.started.elapsed());
        step.timeout.unwrap_or(default).min(left).max(Duration::from_millis(1))
    }

    pub(super) fn flush_notes(&mut self) {
        let Some(console) = self.console.as_mut() else { return };
        for note in console.take_notes() {
            match note {
                Note::Marker { marker, at } => {
                    self.ctx.log.push(EventKind::MarkerSeen { test: self.ctx.id.clone(), boot: self.boots, marker, at })
                }
                Note::Warning { line } => {
                    self.ctx.log.push(EventKind::KernelWarning { test: self.ctx.id.clone(), boot: self.boots, line })
                }
                Note::Metric { name, value } => {
                    self.metrics.insert(name.clone(), value);
                    self.ctx.log.push(EventKind::Metric { test: self.ctx.id.clone(), name, value });
                }
            }
        }
    }

    pub(super) fn console(&mut self) -> Result<&mut Console, StepFailure> {
        self.console.as_mut().ok_or_else(|| fail("the guest is not running (add a `boot` step)"))
    }

    /// A console error as a step failure: a panic is logged as such, a
    /// timeout gets QEMU's diagnostics.
    pub(super) fn console_failure(&mut self, e: ConsoleError) -> StepFailure {
        self.panic_event(&e);
        self.timeout_failure(e)
    }

    /// A timeout with QEMU diagnostics attached.
    pub(super) fn timeout_failure(&mut self, e: ConsoleError) -> StepFailure {
        let is_timeout = matches!(e, ConsoleError::Timeout { .. });
        let mut f = StepFailure::from(e);
        if is_timeout {
            if let Some(c) = self.console.as_mut() {
                f.triage.extend(c.triage());
            }
        }
        f
    }

    pub(super) fn panic_event(&mut self, e: &ConsoleError) {
        if let ConsoleError::Panic { text, .. } = e {
            self.ctx.log.push(EventKind::Panic { test: self.ctx.id.clone(), boot: self.boots, text: text.clone() });
        }
    }

    pub(super) fn note(&self, text: &str) {
        self.ctx.log.push(EventKind::Note {
            profile: self.ctx.profile.name.clone(),
            test: Some(self.ctx.id.clone()),
            text: text.to_string(),
        });
    }

    pub(super) fn run_raw(
        &mut self,
        command: &str,
        timeout: Duration,
    ) -> Result<crate::console::session::RunOutput, StepFailure> {
        self.seq += 1;
        let id = format!("{}-{}", self.boots, self.seq);
        let r = self.console()?.run(&id, command, timeout);
        self.flush_notes();
        r.map_err(|e| self.console_failure(e))
    }

    /// Forgets the current boot. `expected` says QEMU's end was planned.
    pub(super) fn end_boot(&mut self, expected: bool) {
        if let Some(mut console) = self.console.take() {
            if console.exit_status().is_none() {
                console.kill();
            }
            let status = console.exit_status().flatten();
            drop(console);
            self.ctx.log.push(EventKind::QemuExited { test: self.ctx.id.clone(), boot: self.boots, status, expected });
        }
    }

    pub(super) fn alive(&self) -> bool {
        self.console.as_ref().is_some_and(|c| c.exit_status().is_none())
    }

    fn shutdown(&mut self) {
        self.flush_notes();
        self.end_boot(false);
    }
}

pub fn suite_dir(root: &Path, profile: &str, phase: &str) -> (PathBuf, String) {
    let rel = format!("{profile}/{phase}");
    (root.join(&rel), rel)
}
