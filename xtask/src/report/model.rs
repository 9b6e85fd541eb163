//! The report model: one pure fold of the event log into suites, tests, steps and boots.
//!
//! Every renderer (JUnit, HTML, JSON) reads this model and nothing else, so they agree by
//! construction. The model derives `Serialize` only so the HTML template can walk it; its
//! shape is internal. The stable, documented serialization is `report::json`.

use serde::Serialize;

use super::fold::Fold;
use crate::event::{Event, Outcome};

/// Message of a test that started but never finished (the run was interrupted).
pub const INTERRUPTED: &str = "interrupted";

/// Message of a step that started but never finished while its test did.
pub const STEP_NOT_FINISHED: &str = "not finished";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    pub run_id: String,
    /// Wall-clock start as seconds since the Unix epoch.
    pub started_unix: u64,
    pub command: Vec<String>,
    /// Total run time: `RunFinished.seconds`, else the time of the last event.
    pub seconds: f64,
    /// Whether the log ends with `RunFinished`. A log without it comes from an interrupted run.
    pub finished: bool,
    pub artifacts: Vec<ArtifactReport>,
    /// Run-wide notes, each prefixed with its profile (accelerator choice, snapshots).
    pub notes: Vec<String>,
    /// Ordered by (phase, profile).
    pub suites: Vec<SuiteReport>,
    pub counts: Counts,
    pub matrix: Matrix,
    /// Commit, configuration digest and shard of the run (`RunContext`).
    pub context: Option<RunContext>,
    /// For a merged run: the shards it was merged from (`count:1/2 (run-id)`).
    pub shards: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunContext {
    pub commit: Option<String>,
    /// Per profile: SHA-256 of the resolved profile and the scenarios run on it.
    pub configs: std::collections::BTreeMap<String, String>,
    pub partition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArtifactReport {
    pub profile: String,
    pub name: String,
    pub path: String,
    pub cached: bool,
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuiteReport {
    pub phase: String,
    pub profile: String,
    pub title: String,
    pub scenario_file: String,
    /// Seconds since the run started.
    pub started_at: f64,
    /// From `SuiteStarted` to the last event of the suite.
    pub seconds: f64,
    /// In start order.
    pub tests: Vec<TestReport>,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestReport {
    pub name: String,
    pub outcome: Outcome,
    /// Started but never finished; `outcome` is then `Failed { message: "interrupted" }`.
    pub interrupted: bool,
    /// Seconds since the run started.
    pub started_at: f64,
    pub seconds: f64,
    /// In start order.
    pub steps: Vec<StepReport>,
    pub boots: Vec<BootReport>,
    pub metrics: Vec<MetricReport>,
    pub triage: Vec<TriageReport>,
    /// Notes about how the test ran (e.g. a restore that fell back to a boot).
    pub notes: Vec<String>,
    /// The asciicast transcript, relative to the report directory.
    pub transcript: Option<String>,
    /// Plain text of the transcript. `from_events` leaves it empty; the caller fills it
    /// (see `RunReport::attach_transcripts`) so that rendering stays pure.
    pub transcript_text: Option<String>,
    /// In a merged run: the shard that ran the test.
    pub shard: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub index: usize,
    pub description: String,
    pub outcome: Outcome,
    /// Whether `StepFinished` was seen. If not, `outcome` is a failure explaining why.
    pub finished: bool,
    /// From `StepStarted` to `StepFinished` (or to the end of the test).
    pub seconds: f64,
    pub output: Option<String>,
    pub exit_status: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootReport {
    pub boot: u32,
    pub command: Vec<String>,
    /// Raw serial log, relative to the report directory.
    pub serial_log: String,
    /// Seconds since the run started.
    pub started_at: f64,
    /// From `BootStarted` to `QemuExited`, if QEMU exited.
    pub seconds: Option<f64>,
    /// Markers in the order they were seen or declared missing.
    pub markers: Vec<MarkerReport>,
    /// When the first shell prompt appeared, seconds since this boot
    /// started (cold boots only).
    pub prompt_at: Option<f64>,
    /// Console lines matching the profile's `console.warning` once the
    /// guest was ready, in order.
    pub warnings: Vec<String>,
    pub panic: Option<String>,
    pub qemu_exit: Option<QemuExit>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerReport {
    pub marker: String,
    /// Seconds since the boot started; `None` when the marker never appeared.
    pub at: Option<f64>,
}

impl MarkerReport {
    pub fn is_missing(&self) -> bool {
        self.at.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QemuExit {
    pub status: Option<i32>,
    pub expected: bool,
    /// xtask stopped the guest (the test was done with it): not a crash.
    pub stopped: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricReport {
    pub name: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriageReport {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub total: usize,
}

/// Phases (rows) x profiles (columns).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Matrix {
    pub phases: Vec<String>,
    pub profiles: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    pub phase: String,
    /// One cell per entry of `Matrix::profiles`, in the same order.
    pub cells: Vec<MatrixCell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixCell {
    pub profile: String,
    pub status: CellStatus,
    pub counts: Counts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellStatus {
    /// At least one test failed.
    Failed,
    /// Nothing failed and at least one test passed.
    Passed,
    /// The suite ran but every test was skipped (or it had none).
    Skipped,
    /// The phase was not run on this profile.
    NotRun,
}

impl CellStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Failed => "failed",
            CellStatus::Passed => "passed",
            CellStatus::Skipped => "skipped",
            CellStatus::NotRun => "not run",
        }
    }
}

impl Counts {
    pub(super) fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed { .. } => self.failed += 1,
            Outcome::Skipped { .. } => self.skipped += 1,
        }
        self.total += 1;
    }

    pub(super) fn merge(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.total += other.total;
    }

    pub(super) fn cell_status(self) -> CellStatus {
        if self.failed > 0 {
            CellStatus::Failed
        } else if self.passed > 0 {
            CellStatus::Passed
        } else {
            CellStatus::Skipped
        }
    }
}

impl RunReport {
    /// Folds the event log into the report. Pure and total: any sequence of events gives a
    /// report, events about unknown suites, tests or boots create them on the fly.
    pub fn from_events(events: &[Event]) -> RunReport {
        let mut fold = Fold::default();
        for event in events {
            fold.apply(event);
        }
        fold.finish()
    }

    /// Overall verdict: the run finished and no test failed.
    pub fn passed(&self) -> bool {
        self.finished && self.counts.failed == 0
    }

    pub fn suite(&self, phase: &str, profile: &str) -> Option<&SuiteReport> {
        self.suites.iter().find(|s| s.phase == phase && s.profile == profile)
    }

    /// Fills `transcript_text` of every test that has a transcript, using `read` (called with
    /// the transcript path as it appears in the log).
    pub fn attach_transcripts(&mut self, read: &dyn Fn(&str) -> Option<String>) {
        for test in self.suites.iter_mut().flat_map(|s| s.tests.iter_mut()) {
            if let Some(path) = &test.transcript {
                test.transcript_text = read(path);
            }
        }
    }
}

impl SuiteReport {
    /// `<phase> on <profile>`, the suite's name in every report.
    pub fn name(&self) -> String {
        format!("{} on {}", self.phase, self.profile)
    }
}

impl TestReport {
    /// Panic texts with the boot they happened in.
    pub fn panics(&self) -> impl Iterator<Item = (u32, &str)> {
        self.boots.iter().filter_map(|b| Some((b.boot, b.panic.as_deref()?)))
    }

    pub fn missing_markers(&self) -> impl Iterator<Item = &MarkerReport> {
        self.boots.iter().flat_map(|b| &b.markers).filter(|m| m.is_missing())
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
