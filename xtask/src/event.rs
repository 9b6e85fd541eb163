//! The run's event log: the single source every report is derived from.
//!
//! The runner appends events as they happen; `report::model::RunReport::from_events`
//! folds them into the per-suite view that the JUnit, HTML and JSON renderers
//! share, so the three reports can never disagree. The log itself is written as
//! `events.jsonl` next to the reports, which lets `cargo xtask report` rebuild them.

use serde::{Deserialize, Serialize};

/// Identifies one suite: a scenario (phase) run on one profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SuiteId {
    pub phase: String,
    pub profile: String,
}

/// Identifies one test inside a suite.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TestId {
    pub suite: SuiteId,
    pub test: String,
}

/// One timestamped entry of the log. `t` is seconds since the run started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub t: f64,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    RunStarted {
        run_id: String,
        /// Wall-clock start as seconds since the Unix epoch.
        started_unix: u64,
        command: Vec<String>,
    },
    /// What the run was, for `merge-reports`: the commit it ran from, per
    /// profile a digest of the resolved profile and the scenarios run on it,
    /// and its shard. Runs of one profile with a different commit or digest
    /// are not shards of one run.
    RunContext {
        commit: Option<String>,
        configs: std::collections::BTreeMap<String, String>,
        partition: Option<String>,
    },
    /// In a merged log: the events up to the next `Shard` come from the run
    /// of this shard (`count:1/2`).
    Shard {
        partition: String,
        run_id: String,
    },
    /// An artifact was built or found in the cache.
    Artifact {
        profile: String,
        name: String,
        path: String,
        cached: bool,
        seconds: f64,
    },
    SuiteStarted {
        suite: SuiteId,
        title: String,
        scenario_file: String,
        /// The suite's tests in scenario order: reports list them in this
        /// order whatever order parallel workers ran them in.
        #[serde(default)]
        tests: Vec<String>,
    },
    /// Something a reader of the report should know that is neither a pass
    /// nor a failure: the accelerator chosen, a restore that fell back to a boot.
    Note {
        profile: String,
        test: Option<TestId>,
        text: String,
    },
    TestStarted {
        test: TestId,
    },
    TestSkipped {
        test: TestId,
        reason: String,
    },
    StepStarted {
        test: TestId,
        index: usize,
        description: String,
    },
    StepFinished {
        test: TestId,
        index: usize,
        outcome: Outcome,
        /// Command output (markers and echo removed) for `run` steps.
        output: Option<String>,
        exit_status: Option<i32>,
    },
    BootStarted {
        test: TestId,
        boot: u32,
        command: Vec<String>,
        /// Raw serial log of this boot, relative to the report directory.
        serial_log: String,
    },
    MarkerSeen {
        test: TestId,
        boot: u32,
        marker: String,
        /// Seconds since this boot started.
        at: f64,
    },
    /// The first shell prompt of a cold boot (not of a restored guest).
    PromptSeen {
        test: TestId,
        boot: u32,
        /// Seconds since this boot started.
        at: f64,
    },
    /// A console line matching the profile's `console.warning`, seen once
    /// the guest was ready.
    KernelWarning {
        test: TestId,
        boot: u32,
        line: String,
    },
    MarkerMissing {
        test: TestId,
        boot: u32,
        marker: String,
    },
    Metric {
        test: TestId,
        name: String,
        value: f64,
    },
    /// The profile's panic pattern matched: `text` is the panic line and the lines before it.
    Panic {
        test: TestId,
        boot: u32,
        text: String,
    },
    QemuExited {
        test: TestId,
        boot: u32,
        status: Option<i32>,
        expected: bool,
        /// xtask stopped the guest itself (SIGKILL) because the test was done
        /// with it or was about to boot again: not a crash.
        #[serde(default)]
        stopped: bool,
    },
    /// Diagnostics captured on a hang or failure (transcript tail, QEMU status, notes).
    Triage {
        test: TestId,
        title: String,
        text: String,
    },
    TestFinished {
        test: TestId,
        outcome: Outcome,
        seconds: f64,
        /// The asciicast transcript of the test, relative to the report directory.
        transcript: Option<String>,
    },
    RunFinished {
        seconds: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed { message: String },
    Skipped { reason: String },
}

impl Outcome {
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed { .. })
    }
}
