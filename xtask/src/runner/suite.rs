//! Runs the selected scenarios on the selected profiles: builds artifacts,
//! decides the accelerator, saves each profile's ready guest once, then runs
//! the tests on `--jobs` workers, each test with its own guest, disks,
//! forwards, QMP socket and transcript.

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::Context;

use super::launch::{Launcher, LiveLauncher, ReplayLauncher};
use super::log::EventLog;
use super::partition::{self, Partition};
use super::test::{run_test, suite_dir, TestContext};
use crate::artifacts::{self, tools, Artifacts};
use crate::config::{Accel, Isolation, Network, Profile, Scenario, Test, Workspace};
use crate::console::transcript;
use crate::event::{EventKind, SuiteId, TestId};
use crate::fixtures::hostile::{Addresses, HostileNic};
use crate::qemu::accel;
use crate::qemu::cmdline::BootFiles;
use crate::qemu::snapshot::{self, Snapshot};

pub struct Plan {
    pub profiles: Vec<Profile>,
    pub scenarios: Vec<Scenario>,
    /// Run matchers against recorded transcripts instead of QEMU.
    pub replay: Option<PathBuf>,
    /// Tests run at the same time (at least 1).
    pub jobs: usize,
    /// Forces an isolation: `Boot` boots every test; `Restore` turns
    /// `shared` tests into restored ones (tests declared `boot` still boot).
    pub isolation: Option<Isolation>,
    /// Run only this shard of the plan's units.
    pub partition: Option<Partition>,
    /// Test durations of earlier runs by (profile, phase, test): the job
    /// queue starts the longest first, `duration:` partitions balance by them.
    pub timings: Timings,
    /// Images to boot instead of building them, by profile name (a release
    /// bundle's, for `verify --boot`).
    pub prebuilt: Vec<(String, Artifacts)>,
}

/// Seconds by (profile, phase, test).
pub type Timings = HashMap<(String, String, String), f64>;

/// What a profile needs to run live tests.
struct Live {
    artifacts: Artifacts,
    accel: Accel,
    snapshot: Result<Snapshot, String>,
}

/// Consecutive tests of one suite run on one worker; more than one only for
/// a `shared` group, which passes its guest along.
struct Job {
    profile: usize,
    scenario: usize,
    tests: Vec<usize>,
}

/// Runs the plan and logs everything. Returns the number of failed tests.
pub fn run_plan(ws: &Workspace, plan: &Plan, report_dir: &Path, log: &EventLog) -> anyhow::Result<usize> {
    let scratch = crate::project::scratch_dir("run").context("creating a scratch directory")?;
    let units = units(plan);
    let selected = match &plan.partition {
        Some(p) => p.select(&units.iter().map(|u| u.partition_unit(plan)).collect::<Vec<_>>()),
        None => vec![true; units.len()],
    };
    let units: Vec<&Unit> = units.iter().zip(&selected).filter(|(_, &s)| s).map(|(u, _)| u).collect();
    // Only profiles with a test to run are built and prepared: a run whose
    // tests are all skipped (or in other shards) builds nothing.
    let mut lives: Vec<Option<Live>> = Vec::new();
    for (pi, profile) in plan.profiles.iter().enumerate() {
        let runs_something = units.iter().any(|u| u.profile == pi && u.skip.is_none());
        lives.push(match &plan.replay {
            None if runs_something => Some(prepare_profile(ws, plan, profile, scratch.path(), log)?),
            _ => None,
        });
    }
    // Suites and skips are logged up front, in order; the workers only run tests.
    let mut jobs = Vec::new();
    for (pi, profile) in plan.profiles.iter().enumerate() {
        for (si, scenario) in plan.scenarios.iter().enumerate() {
            let mine: Vec<&&Unit> = units.iter().filter(|u| u.profile == pi && u.scenario == si).collect();
            if mine.is_empty() && plan.partition.is_some() {
                continue;
            }
            let suite = SuiteId { phase: scenario.phase.clone(), profile: profile.name.clone() };
            log.push(EventKind::SuiteStarted {
                suite: suite.clone(),
                title: scenario.title.clone(),
                scenario_file: scenario.file.display().to_string(),
                tests: scenario.tests.iter().map(|t| t.name.clone()).collect(),
            });
            let (dir, _) = suite_dir(report_dir, &profile.name, &scenario.phase);
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for unit in mine {
                if let Some(reason) = &unit.skip {
                    let test = TestId { suite: suite.clone(), test: scenario.tests[unit.tests[0]].name.clone() };
                    log.push(EventKind::TestSkipped { test, reason: reason.clone() });
                } else if plan.replay.is_some() {
                    // A replay has no guest to pass along: every test on its own.
                    jobs.extend(unit.tests.iter().map(|&t| Job { profile: pi, scenario: si, tests: vec![t] }));
                } else {
                    jobs.push(Job { profile: pi, scenario: si, tests: unit.tests.clone() });
                }
            }
        }
    }
    let jobs = longest_first(plan, jobs);
    let queue = Mutex::new(jobs);
    let failed = AtomicUsize::new(0);
    let workers = plan.jobs.max(1);
    std::thread::scope(|scope| {
        for w in 0..workers {
            let (queue, failed, lives, scratch) = (&queue, &failed, &lives, scratch.path());
            std::thread::Builder::new()
                .name(format!("worker-{w}"))
                .spawn_scoped(scope, move || {
                    while let Some(job) = next_job(queue) {
                        let n = run_job(plan, &job, lives[job.profile].as_ref(), report_dir, scratch, log);
                        failed.fetch_add(n, Ordering::SeqCst);
                    }
                })
                .expect("spawning a worker thread");
        }
    });
    Ok(failed.into_inner())
}

/// What a partition divides: one test, or consecutive `shared` tests of a
/// suite (one guest passes along them, so they stay together), or a test the
/// profile cannot run (logged as skipped by the shard that owns it).
struct Unit {
    profile: usize,
    scenario: usize,
    tests: Vec<usize>,
    skip: Option<String>,
}

impl Unit {
    fn partition_unit(&self, plan: &Plan) -> partition::Unit {
        let (profile, scenario) = (&plan.profiles[self.profile], &plan.scenarios[self.scenario]);
        let name = format!("{}/{}/{}", profile.name, scenario.phase, scenario.tests[self.tests[0]].name);
        let seconds = self.tests.iter().try_fold(0.0, |sum, &t| {
            let key = (profile.name.clone(), scenario.phase.clone(), scenario.tests[t].name.clone());
            plan.timings.get(&key).map(|s| sum + s)
        });
        partition::Unit { name, seconds: if self.skip.is_some() { Some(0.0) } else { seconds } }
    }
}

/// Every unit of the plan in (profile, scenario, test) order. Grouping
/// depends on the scenarios and `--isolation` only (not on `--replay`), so
/// live and replayed shards of a run divide it the same way.
fn units(plan: &Plan) -> Vec<Unit> {
    let mut units = Vec::new();
    for (pi, profile) in plan.profiles.iter().enumerate() {
        for (si, scenario) in plan.scenarios.iter().enumerate() {
            let mut group: Vec<usize> = Vec::new();
            let flush = |group: &mut Vec<usize>, units: &mut Vec<Unit>| {
                if !group.is_empty() {
                    units.push(Unit { profile: pi, scenario: si, tests: std::mem::take(group), skip: None });
                }
            };
            for (ti, test) in scenario.tests.iter().enumerate() {
                if let Some(reason) = missing_capability(profile, scenario, test) {
                    units.push(Unit { profile: pi, scenario: si, tests: vec![ti], skip: Some(reason) });
                    continue;
                }
                let shared = isolation(plan, test) == Isolation::Shared;
                if !shared {
                    flush(&mut group, &mut units);
                }
                group.push(ti);
                if !shared {
                    flush(&mut group, &mut units);
                }
            }
            flush(&mut group, &mut units);
        }
    }
    units
}

/// The queue starts the jobs known to take longest (from `plan.timings`), so
/// a long test does not start last and keep one worker busy alone at the
/// end; without timings, plan order. Reports keep scenario order anyway.
fn longest_first(plan: &Plan, jobs: Vec<Job>) -> VecDeque<Job> {
    let seconds = |job: &Job| -> f64 {
        let (profile, scenario) = (&plan.profiles[job.profile], &plan.scenarios[job.scenario]);
        job.tests
            .iter()
            .map(|&t| {
                let key = (profile.name.clone(), scenario.phase.clone(), scenario.tests[t].name.clone());
                plan.timings.get(&key).copied().unwrap_or(0.0)
            })
            .sum()
    };
    let mut keyed: Vec<(f64, Job)> = jobs.into_iter().map(|j| (seconds(&j), j)).collect();
    // Stable: equal (or unknown) durations keep plan order.
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
    keyed.into_iter().map(|(_, j)| j).collect()
}

/// Takes the next job; the lock is released before the job runs.
fn next_job(queue: &Mutex<VecDeque<Job>>) -> Option<Job> {
    queue.lock().ok()?.pop_front()
}

fn isolation(plan: &Plan, test: &Test) -> Isolation {
    match (plan.isolation, test.isolation) {
        (Some(Isolation::Boot), _) => Isolation::Boot,
        (Some(Isolation::Restore), Isolation::Shared) => Isolation::Restore,
        (_, declared) => declared,
    }
}

fn prepare_profile(
    ws: &Workspace,
    plan: &Plan,
    profile: &Profile,
    scratch: &Path,
    log: &EventLog,
) -> anyhow::Result<Live> {
    log.note(&format!("artifacts for {}", profile.name));
    let mut note = |line: &str| log.note(line);
    tools::ensure(&tools::for_run(profile), &mut note)?;
    let artifacts = match plan.prebuilt.iter().find(|(name, _)| *name == profile.name) {
        Some((_, a)) => a.clone(),
        None => artifacts::build_all(ws, profile, &mut note)
            .with_context(|| format!("building artifacts for profile `{}`", profile.name))?,
    };
    for a in &artifacts.built {
        log.push(EventKind::Artifact {
            profile: profile.name.clone(),
            name: a.name.clone(),
            path: a.path.display().to_string(),
            cached: a.cached,
            seconds: a.seconds,
        });
    }
    let files = BootFiles {
        kernel: artifacts.kernel.clone(),
        initrd: artifacts.initrd.clone(),
        disks: Vec::new(),
        incoming: None,
        qmp: None,
        forwards: Vec::new(),
        dgram: None,
        vars: None,
    };
    let (accel, why) = accel::decide(profile, &files, scratch);
    let text = format!("accelerator {} ({why})", accel_name(accel));
    log.note(&format!("{}: {text}", profile.name));
    log.push(EventKind::Note { profile: profile.name.clone(), test: None, text });
    let wants_restore = plan.scenarios.iter().flat_map(|s| &s.tests).any(|t| isolation(plan, t) != Isolation::Boot);
    let snapshot = if !wants_restore {
        Err("every selected test boots".to_string())
    } else {
        let cache = crate::project::cache_dir(&ws.root);
        match snapshot::prepare(profile, &artifacts, accel, &cache, scratch) {
            Ok(p) => {
                let how = if p.cached { "cached".to_string() } else { format!("saved in {:.1}s", p.seconds) };
                log.note(&format!("{}: ready guest state {how}", profile.name));
                log.push(EventKind::Artifact {
                    profile: profile.name.clone(),
                    name: "saved-guest".into(),
                    path: p.snapshot.state.display().to_string(),
                    cached: p.cached,
                    seconds: p.seconds,
                });
                Ok(p.snapshot)
            }
            Err(e) => {
                let text = format!("saving the ready guest failed, tests boot instead: {e:#}");
                log.note(&format!("{}: {text}", profile.name));
                log.push(EventKind::Note { profile: profile.name.clone(), test: None, text: text.clone() });
                Err(text)
            }
        }
    };
    Ok(Live { artifacts, accel, snapshot })
}

/// Runs one job's tests in order; returns how many failed.
fn run_job(plan: &Plan, job: &Job, live: Option<&Live>, report_dir: &Path, scratch: &Path, log: &EventLog) -> usize {
    let profile = &plan.profiles[job.profile];
    let scenario = &plan.scenarios[job.scenario];
    let suite = SuiteId { phase: scenario.phase.clone(), profile: profile.name.clone() };
    let (dir, rel_dir) = suite_dir(report_dir, &profile.name, &scenario.phase);
    let mut failed = 0;
    let mut guest = None;
    for (n, &ti) in job.tests.iter().enumerate() {
        let test = &scenario.tests[ti];
        let id = TestId { suite: suite.clone(), test: test.name.clone() };
        if crate::qemu::process::interrupted() {
            log.push(EventKind::TestSkipped { test: id, reason: "run interrupted".into() });
            continue;
        }
        let ctx = TestContext { profile, id: id.clone(), dir: dir.clone(), rel_dir: rel_dir.clone(), log };
        let launcher: anyhow::Result<Box<dyn Launcher>> = match (&plan.replay, live) {
            (Some(source), _) => match replay_boots(source, profile, scenario, test) {
                Ok(Some(l)) => Ok(Box::new(l)),
                Ok(None) => {
                    log.push(EventKind::TestSkipped {
                        test: id,
                        reason: format!("no transcript for this test in {}", source.display()),
                    });
                    continue;
                }
                Err(e) => Err(e),
            },
            (None, Some(live)) => {
                // Indices, not names: the QMP socket inside must fit a
                // unix socket path (108 bytes) whatever TMPDIR and the
                // profile, phase and test names are.
                let test_scratch = scratch.join(format!("p{}s{}t{ti}", job.profile, job.scenario));
                live_launcher(profile, live, isolation(plan, test), test, &test_scratch)
                    .map(|l| Box::new(l) as Box<dyn Launcher>)
            }
            (None, None) => Err(anyhow::anyhow!("no artifacts and no replay source")),
        };
        let mut launcher = match launcher {
            Ok(l) => l,
            Err(e) => {
                let outcome = crate::event::Outcome::Failed { message: format!("{e:#}") };
                log.push(EventKind::TestStarted { test: id.clone() });
                log.push(EventKind::TestFinished { test: id, outcome, seconds: 0.0, transcript: None });
                failed += 1;
                continue;
            }
        };
        let keep = n + 1 < job.tests.len();
        let (outcome, handed) = run_test(&ctx, test, launcher.as_mut(), guest.take(), keep);
        guest = handed;
        if outcome.is_failure() {
            failed += 1;
        }
    }
    failed
}

fn missing_capability(profile: &Profile, scenario: &Scenario, test: &Test) -> Option<String> {
    scenario
        .requires
        .iter()
        .chain(&test.requires)
        .find(|&&cap| !profile.has_capability(cap))
        .map(|cap| format!("profile `{}` lacks capability `{cap}`", profile.name))
}

/// One free host port per guest port, all different: every listener stays
/// bound until all ports are picked (a port released after its pick could
/// be handed out again to the next bind, giving two forwards one host port).
fn free_ports(guests: &[u16]) -> anyhow::Result<Vec<(u16, u16)>> {
    let listeners = guests.iter().map(|_| TcpListener::bind("127.0.0.1:0")).collect::<std::io::Result<Vec<_>>>()?;
    let ports = listeners.iter().map(|l| l.local_addr().map(|a| a.port())).collect::<std::io::Result<Vec<_>>>()?;
    Ok(ports.into_iter().zip(guests.iter().copied()).collect())
}

fn live_launcher<'p>(
    profile: &'p Profile,
    live: &Live,
    isolation: Isolation,
    test: &Test,
    scratch: &Path,
) -> anyhow::Result<LiveLauncher<'p>> {
    std::fs::create_dir_all(scratch)?;
    let hostile = match &test.fixtures.hostile {
        Some(h) => {
            let addrs = Addresses { guest_ip: h.guest_ip, host_ip: h.host_ip };
            Some(HostileNic::start(addrs).context("starting the hostile fixture's NIC")?)
        }
        None => None,
    };
    let forwards = match &profile.network {
        // The hostile fixture's socket replaces the profile's network.
        _ if hostile.is_some() => Vec::new(),
        Network::User { forwards } => free_ports(forwards)?,
        Network::None => Vec::new(),
    };
    let snapshot = match isolation {
        Isolation::Boot => None,
        Isolation::Restore | Isolation::Shared => live.snapshot.as_ref().ok().cloned(),
    };
    let base_disks = live.artifacts.disks.clone();
    let mut launcher = LiveLauncher::new(
        profile,
        live.accel,
        live.artifacts.kernel.clone(),
        live.artifacts.initrd.clone(),
        base_disks,
        snapshot,
        forwards,
        scratch.to_path_buf(),
    );
    launcher.hostile = hostile;
    Ok(launcher)
}

/// Finds the transcript for `test`: the file itself, or inside a report
/// directory as `<profile>/<phase>/<test>.cast` or `<test>.cast`.
fn replay_boots(
    source: &Path,
    profile: &Profile,
    scenario: &Scenario,
    test: &Test,
) -> anyhow::Result<Option<ReplayLauncher>> {
    let path = if source.is_dir() {
        let nested = source.join(&profile.name).join(&scenario.phase).join(format!("{}.cast", test.name));
        let flat = source.join(format!("{}.cast", test.name));
        match (nested.exists(), flat.exists()) {
            (true, _) => nested,
            (false, true) => flat,
            _ => return Ok(None),
        }
    } else {
        source.to_path_buf()
    };
    let recorded = transcript::read(&path)?;
    if let Some(info) = &recorded.header.xtask {
        if info.test != test.name || info.phase != scenario.phase {
            return Ok(None);
        }
    }
    Ok(Some(ReplayLauncher { boots: VecDeque::from(recorded.boots), host: recorded.host, source: path }))
}

fn accel_name(accel: Accel) -> &'static str {
    match accel {
        Accel::Kvm => "kvm",
        Accel::Tcg | Accel::Auto => "tcg",
    }
}
