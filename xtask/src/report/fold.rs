//! The fold from the event log to [`RunReport`]: pure and total, any
//! sequence of events gives a report.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::*;
use crate::event::{Event, EventKind, Outcome, SuiteId, TestId};

/// Rounds a computed duration to milliseconds so that subtraction noise
/// (`0.30000000000000004`) never reaches a report.
fn millis(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

#[derive(Default)]
pub(super) struct Fold {
    run_id: String,
    started_unix: u64,
    command: Vec<String>,
    run_started: bool,
    finished_seconds: Option<f64>,
    last_t: f64,
    artifacts: Vec<ArtifactReport>,
    notes: Vec<String>,
    suites: BTreeMap<SuiteId, SuiteFold>,
    context: Option<RunContext>,
    shards: Vec<String>,
    /// The shard whose events are being read (merged logs).
    shard: Option<String>,
}

struct SuiteFold {
    report: SuiteReport,
    last_t: f64,
    /// Test name to index into `report.tests`.
    index: HashMap<String, usize>,
    /// Declared test order (from `SuiteStarted`); tests are sorted by it at the end.
    order: Vec<String>,
    tests: Vec<TestFold>,
}

struct TestFold {
    finished: bool,
    last_t: f64,
    /// Start time of each step, by step index.
    step_started: HashMap<usize, f64>,
}

impl Fold {
    pub(super) fn apply(&mut self, event: &Event) {
        let t = event.t;
        self.last_t = self.last_t.max(t);
        match &event.kind {
            EventKind::RunStarted { run_id, started_unix, command } => {
                if !self.run_started {
                    self.run_started = true;
                    self.run_id = run_id.clone();
                    self.started_unix = *started_unix;
                    self.command = command.clone();
                }
            }
            EventKind::Artifact { profile, name, path, cached, seconds } => {
                self.artifacts.push(ArtifactReport {
                    profile: profile.clone(),
                    name: name.clone(),
                    path: path.clone(),
                    cached: *cached,
                    seconds: *seconds,
                });
            }
            EventKind::SuiteStarted { suite, title, scenario_file, tests } => {
                let s = self.suite(suite, t);
                s.order = tests.clone();
                s.report.title = title.clone();
                s.report.scenario_file = scenario_file.clone();
                s.report.started_at = t;
            }
            EventKind::TestStarted { test } => {
                let (report, _) = self.test(test, t);
                report.started_at = t;
            }
            EventKind::TestSkipped { test, reason } => {
                let (report, fold) = self.test(test, t);
                report.outcome = Outcome::Skipped { reason: reason.clone() };
                fold.finished = true;
            }
            EventKind::StepStarted { test, index, description } => {
                let (report, fold) = self.test(test, t);
                fold.step_started.insert(*index, t);
                let step = step(report, *index);
                step.description = description.clone();
            }
            EventKind::StepFinished { test, index, outcome, output, exit_status } => {
                let (report, fold) = self.test(test, t);
                let started = fold.step_started.get(index).copied().unwrap_or(t);
                let step = step(report, *index);
                step.finished = true;
                step.outcome = outcome.clone();
                step.seconds = millis(t - started);
                step.output = output.clone();
                step.exit_status = *exit_status;
            }
            EventKind::BootStarted { test, boot, command, serial_log } => {
                let (report, _) = self.test(test, t);
                let b = boot_mut(report, *boot, t);
                b.started_at = t;
                b.command = command.clone();
                b.serial_log = serial_log.clone();
            }
            EventKind::MarkerSeen { test, boot, marker, at } => {
                let (report, _) = self.test(test, t);
                let b = boot_mut(report, *boot, t);
                b.markers.push(MarkerReport { marker: marker.clone(), at: Some(*at) });
            }
            EventKind::PromptSeen { test, boot, at } => {
                let (report, _) = self.test(test, t);
                boot_mut(report, *boot, t).prompt_at = Some(*at);
            }
            EventKind::KernelWarning { test, boot, line } => {
                let (report, _) = self.test(test, t);
                boot_mut(report, *boot, t).warnings.push(line.clone());
            }
            EventKind::MarkerMissing { test, boot, marker } => {
                let (report, _) = self.test(test, t);
                let b = boot_mut(report, *boot, t);
                b.markers.push(MarkerReport { marker: marker.clone(), at: None });
            }
            EventKind::Metric { test, name, value } => {
                let (report, _) = self.test(test, t);
                report.metrics.push(MetricReport { name: name.clone(), value: *value });
            }
            EventKind::Panic { test, boot, text } => {
                let (report, _) = self.test(test, t);
                let b = boot_mut(report, *boot, t);
                match &mut b.panic {
                    Some(previous) => {
                        previous.push('\n');
                        previous.push_str(text);
                    }
                    None => b.panic = Some(text.clone()),
                }
            }
            EventKind::QemuExited { test, boot, status, expected, stopped } => {
                let (report, _) = self.test(test, t);
                let b = boot_mut(report, *boot, t);
                b.seconds = Some(millis(t - b.started_at));
                b.qemu_exit = Some(QemuExit { status: *status, expected: *expected, stopped: *stopped });
            }
            EventKind::Triage { test, title, text } => {
                let (report, _) = self.test(test, t);
                report.triage.push(TriageReport { title: title.clone(), text: text.clone() });
            }
            EventKind::TestFinished { test, outcome, seconds, transcript } => {
                let (report, fold) = self.test(test, t);
                fold.finished = true;
                report.outcome = outcome.clone();
                report.seconds = *seconds;
                report.transcript = transcript.clone();
            }
            EventKind::Note { profile, test: Some(test), text } => {
                let _ = profile;
                let (report, _) = self.test(test, t);
                report.notes.push(text.clone());
            }
            EventKind::Note { profile, test: None, text } => self.notes.push(format!("{profile}: {text}")),
            EventKind::RunFinished { seconds } => self.finished_seconds = Some(*seconds),
            EventKind::RunContext { commit, configs, partition } => {
                self.context =
                    Some(RunContext { commit: commit.clone(), configs: configs.clone(), partition: partition.clone() });
            }
            EventKind::Shard { partition, run_id } => {
                self.shards.push(format!("{partition} ({run_id})"));
                self.shard = Some(partition.clone());
            }
        }
    }

    fn suite(&mut self, id: &SuiteId, t: f64) -> &mut SuiteFold {
        let suite = self.suites.entry(id.clone()).or_insert_with(|| SuiteFold {
            report: SuiteReport {
                phase: id.phase.clone(),
                profile: id.profile.clone(),
                title: String::new(),
                scenario_file: String::new(),
                started_at: t,
                seconds: 0.0,
                tests: Vec::new(),
                counts: Counts::default(),
            },
            last_t: t,
            index: HashMap::new(),
            order: Vec::new(),
            tests: Vec::new(),
        });
        suite.last_t = suite.last_t.max(t);
        suite
    }

    fn test(&mut self, id: &TestId, t: f64) -> (&mut TestReport, &mut TestFold) {
        let shard = self.shard.clone();
        let suite = self.suite(&id.suite, t);
        let i = match suite.index.get(&id.test) {
            Some(&i) => i,
            None => {
                suite.report.tests.push(TestReport {
                    name: id.test.clone(),
                    outcome: Outcome::Passed,
                    interrupted: false,
                    started_at: t,
                    seconds: 0.0,
                    steps: Vec::new(),
                    boots: Vec::new(),
                    metrics: Vec::new(),
                    triage: Vec::new(),
                    notes: Vec::new(),
                    transcript: None,
                    transcript_text: None,
                    shard,
                });
                suite.tests.push(TestFold { finished: false, last_t: t, step_started: HashMap::new() });
                suite.index.insert(id.test.clone(), suite.tests.len() - 1);
                suite.tests.len() - 1
            }
        };
        let fold = &mut suite.tests[i];
        fold.last_t = fold.last_t.max(t);
        (&mut suite.report.tests[i], fold)
    }

    pub(super) fn finish(self) -> RunReport {
        let mut suites = Vec::with_capacity(self.suites.len());
        let mut counts = Counts::default();
        // BTreeMap iteration gives the (phase, profile) order.
        for (_, suite) in self.suites {
            let SuiteFold { mut report, last_t, tests, order, .. } = suite;
            // Suites are announced up front and their tests may run later or
            // interleaved (parallel workers): a suite spans its own tests.
            if let Some(first) = report.tests.iter().map(|t| t.started_at).reduce(f64::min) {
                report.started_at = first;
            }
            report.seconds = millis(last_t - report.started_at);
            for (test, fold) in report.tests.iter_mut().zip(&tests) {
                close_test(test, fold);
                report.counts.add(&test.outcome);
            }
            // Declared order, whatever order parallel workers ran the tests in.
            let rank = |name: &str| order.iter().position(|n| n == name).unwrap_or(usize::MAX);
            report.tests.sort_by_key(|t| rank(&t.name));
            counts.merge(report.counts);
            suites.push(report);
        }
        let matrix = matrix(&suites);
        RunReport {
            run_id: self.run_id,
            started_unix: self.started_unix,
            command: self.command,
            seconds: self.finished_seconds.unwrap_or(self.last_t),
            finished: self.finished_seconds.is_some(),
            artifacts: self.artifacts,
            notes: self.notes,
            suites,
            counts,
            matrix,
            context: self.context,
            shards: self.shards,
        }
    }
}

/// Settles a test whose log stops early: an unfinished test is failed as interrupted, an
/// unfinished step is failed and timed up to the test's last event.
fn close_test(test: &mut TestReport, fold: &TestFold) {
    if !fold.finished {
        test.interrupted = true;
        test.outcome = Outcome::Failed { message: INTERRUPTED.to_owned() };
        test.seconds = millis(fold.last_t - test.started_at);
    }
    for step in test.steps.iter_mut().filter(|s| !s.finished) {
        let started = fold.step_started.get(&step.index).copied().unwrap_or(fold.last_t);
        step.seconds = millis(fold.last_t - started);
        let message = if test.interrupted { INTERRUPTED } else { STEP_NOT_FINISHED };
        step.outcome = Outcome::Failed { message: message.to_owned() };
    }
}

fn step(test: &mut TestReport, index: usize) -> &mut StepReport {
    let i = match test.steps.iter().position(|s| s.index == index) {
        Some(i) => i,
        None => {
            test.steps.push(StepReport {
                index,
                description: String::new(),
                outcome: Outcome::Passed,
                finished: false,
                seconds: 0.0,
                output: None,
                exit_status: None,
            });
            test.steps.len() - 1
        }
    };
    &mut test.steps[i]
}

fn boot_mut(test: &mut TestReport, boot: u32, t: f64) -> &mut BootReport {
    let i = match test.boots.iter().position(|b| b.boot == boot) {
        Some(i) => i,
        None => {
            test.boots.push(BootReport {
                boot,
                command: Vec::new(),
                serial_log: String::new(),
                started_at: t,
                seconds: None,
                markers: Vec::new(),
                prompt_at: None,
                warnings: Vec::new(),
                panic: None,
                qemu_exit: None,
            });
            test.boots.len() - 1
        }
    };
    &mut test.boots[i]
}

fn matrix(suites: &[SuiteReport]) -> Matrix {
    let phases: BTreeSet<&str> = suites.iter().map(|s| s.phase.as_str()).collect();
    let profiles: BTreeSet<&str> = suites.iter().map(|s| s.profile.as_str()).collect();
    let rows = phases
        .iter()
        .map(|&phase| MatrixRow {
            phase: phase.to_owned(),
            cells: profiles
                .iter()
                .map(|&profile| {
                    let suite = suites.iter().find(|s| s.phase == phase && s.profile == profile);
                    MatrixCell {
                        profile: profile.to_owned(),
                        status: suite.map_or(CellStatus::NotRun, |s| s.counts.cell_status()),
                        counts: suite.map(|s| s.counts).unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    Matrix {
        phases: phases.into_iter().map(str::to_owned).collect(),
        profiles: profiles.into_iter().map(str::to_owned).collect(),
        rows,
    }
}
