//! `report.json`: the machine-readable report, schema version 1, documented field by field
//! in `docs/REPORTS.md`.
//!
//! These structs are the schema. They are separate from the model on purpose: the model may
//! change freely, this file changes only together with `SCHEMA_VERSION` and the docs.
//! Rules: every field is always present (absent values are `null`), outcomes are a flat
//! `status` + `message` pair, strings are the raw values from the event log.

use serde::Serialize;

use super::model::{self, RunReport};
use crate::event::Outcome;

/// Bump on any change that can break a reader (removed/renamed field, changed meaning).
/// Adding a field is not such a change.
pub const SCHEMA_VERSION: u32 = 1;

pub fn render(report: &RunReport) -> String {
    let json = serde_json::to_string_pretty(&Report::from(report)).expect("report.json is always serializable");
    json + "\n"
}

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    run: Run<'a>,
    counts: Counts,
    artifacts: Vec<Artifact<'a>>,
    /// Run-wide notes (accelerator choice, saved guest states), each prefixed with its profile.
    notes: &'a [String],
    matrix: Matrix<'a>,
    suites: Vec<Suite<'a>>,
}

#[derive(Serialize)]
struct Run<'a> {
    id: &'a str,
    started_unix: u64,
    command: &'a [String],
    seconds: f64,
    finished: bool,
    status: &'static str,
    /// The commit the run was made from (`git rev-parse HEAD`), when known.
    commit: Option<&'a str>,
    /// Per profile: SHA-256 of the resolved profile and the scenarios run on it (shards
    /// of one run agree on it).
    configs: Option<&'a std::collections::BTreeMap<String, String>>,
    /// `--partition` of a shard (`count:1/2`).
    partition: Option<&'a str>,
    /// A merged run: the shards it was merged from.
    shards: &'a [String],
}

#[derive(Serialize)]
struct Counts {
    total: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct Artifact<'a> {
    profile: &'a str,
    name: &'a str,
    path: &'a str,
    cached: bool,
    seconds: f64,
}

#[derive(Serialize)]
struct Matrix<'a> {
    phases: &'a [String],
    profiles: &'a [String],
    cells: Vec<Cell<'a>>,
}

#[derive(Serialize)]
struct Cell<'a> {
    phase: &'a str,
    profile: &'a str,
    status: &'static str,
    counts: Counts,
}

#[derive(Serialize)]
struct Suite<'a> {
    name: String,
    phase: &'a str,
    profile: &'a str,
    title: &'a str,
    scenario_file: &'a str,
    started_at: f64,
    seconds: f64,
    counts: Counts,
    tests: Vec<Test<'a>>,
}

#[derive(Serialize)]
struct Test<'a> {
    name: &'a str,
    status: &'static str,
    message: Option<&'a str>,
    interrupted: bool,
    started_at: f64,
    seconds: f64,
    transcript: Option<&'a str>,
    steps: Vec<Step<'a>>,
    boots: Vec<Boot<'a>>,
    metrics: Vec<Metric<'a>>,
    triage: Vec<Triage<'a>>,
    /// How the test ran (restored guest, fallbacks) and fixture traffic.
    notes: &'a [String],
    /// In a merged run: the shard that ran the test.
    shard: Option<&'a str>,
}

#[derive(Serialize)]
struct Step<'a> {
    index: usize,
    description: &'a str,
    status: &'static str,
    message: Option<&'a str>,
    seconds: f64,
    output: Option<&'a str>,
    exit_status: Option<i32>,
}

#[derive(Serialize)]
struct Boot<'a> {
    boot: u32,
    command: &'a [String],
    serial_log: &'a str,
    started_at: f64,
    seconds: Option<f64>,
    markers: Vec<Marker<'a>>,
    prompt_at: Option<f64>,
    warnings: &'a [String],
    panic: Option<&'a str>,
    qemu_exit: Option<QemuExit>,
}

#[derive(Serialize)]
struct Marker<'a> {
    marker: &'a str,
    status: &'static str,
    at: Option<f64>,
}

#[derive(Serialize)]
struct QemuExit {
    status: Option<i32>,
    expected: bool,
    /// xtask stopped the guest itself (the test was done with it): not a crash.
    stopped: bool,
}

#[derive(Serialize)]
struct Metric<'a> {
    name: &'a str,
    value: f64,
}

#[derive(Serialize)]
struct Triage<'a> {
    title: &'a str,
    text: &'a str,
}

fn outcome(outcome: &Outcome) -> (&'static str, Option<&str>) {
    match outcome {
        Outcome::Passed => ("passed", None),
        Outcome::Failed { message } => ("failed", Some(message)),
        Outcome::Skipped { reason } => ("skipped", Some(reason)),
    }
}

impl From<model::Counts> for Counts {
    fn from(c: model::Counts) -> Self {
        Counts { total: c.total, passed: c.passed, failed: c.failed, skipped: c.skipped }
    }
}

impl<'a> From<&'a RunReport> for Report<'a> {
    fn from(r: &'a RunReport) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            run: Run {
                id: &r.run_id,
                started_unix: r.started_unix,
                command: &r.command,
                seconds: r.seconds,
                finished: r.finished,
                status: if r.passed() { "passed" } else { "failed" },
                commit: r.context.as_ref().and_then(|c| c.commit.as_deref()),
                configs: r.context.as_ref().map(|c| &c.configs),
                partition: r.context.as_ref().and_then(|c| c.partition.as_deref()),
                shards: &r.shards,
            },
            counts: r.counts.into(),
            artifacts: r
                .artifacts
                .iter()
                .map(|a| Artifact {
                    profile: &a.profile,
                    name: &a.name,
                    path: &a.path,
                    cached: a.cached,
                    seconds: a.seconds,
                })
                .collect(),
            notes: &r.notes,
            matrix: Matrix {
                phases: &r.matrix.phases,
                profiles: &r.matrix.profiles,
                cells: r
                    .matrix
                    .rows
                    .iter()
                    .flat_map(|row| {
                        row.cells.iter().map(|c| Cell {
                            phase: &row.phase,
                            profile: &c.profile,
                            status: match c.status {
                                model::CellStatus::NotRun => "not_run",
                                s => s.as_str(),
                            },
                            counts: c.counts.into(),
                        })
                    })
                    .collect(),
            },
            suites: r.suites.iter().map(Suite::from).collect(),
        }
    }
}

impl<'a> From<&'a model::SuiteReport> for Suite<'a> {
    fn from(s: &'a model::SuiteReport) -> Self {
        Suite {
            name: s.name(),
            phase: &s.phase,
            profile: &s.profile,
            title: &s.title,
            scenario_file: &s.scenario_file,
            started_at: s.started_at,
            seconds: s.seconds,
            counts: s.counts.into(),
            tests: s.tests.iter().map(Test::from).collect(),
        }
    }
}

impl<'a> From<&'a model::TestReport> for Test<'a> {
    fn from(t: &'a model::TestReport) -> Self {
        let (status, message) = outcome(&t.outcome);
        Test {
            name: &t.name,
            status,
            message,
            interrupted: t.interrupted,
            started_at: t.started_at,
            seconds: t.seconds,
            transcript: t.transcript.as_deref(),
            shard: t.shard.as_deref(),
            steps: t
                .steps
                .iter()
                .map(|s| {
                    let (status, message) = outcome(&s.outcome);
                    Step {
                        index: s.index,
                        description: &s.description,
                        status,
                        message,
                        seconds: s.seconds,
                        output: s.output.as_deref(),
                        exit_status: s.exit_status,
                    }
                })
                .collect(),
            boots: t
                .boots
                .iter()
                .map(|b| Boot {
                    boot: b.boot,
                    command: &b.command,
                    serial_log: &b.serial_log,
                    started_at: b.started_at,
                    seconds: b.seconds,
                    markers: b
                        .markers
                        .iter()
                        .map(|m| Marker {
                            marker: &m.marker,
                            status: if m.is_missing() { "missing" } else { "seen" },
                            at: m.at,
                        })
                        .collect(),
                    prompt_at: b.prompt_at,
                    warnings: &b.warnings,
                    panic: b.panic.as_deref(),
                    qemu_exit: b.qemu_exit.map(|q| QemuExit {
                        status: q.status,
                        expected: q.expected,
                        stopped: q.stopped,
                    }),
                })
                .collect(),
            metrics: t.metrics.iter().map(|m| Metric { name: &m.name, value: m.value }).collect(),
            triage: t.triage.iter().map(|x| Triage { title: &x.title, text: &x.text }).collect(),
            notes: &t.notes,
        }
    }
}
