//! Runs the selected scenarios on the selected profiles: builds artifacts,
//! decides the accelerator, prepares per-test disks and ports, and hands each
//! test to [`super::test::run_test`].

use std::collections::VecDeque;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::launch::{Launcher, LiveLauncher, ReplayLauncher};
use super::log::EventLog;
use super::test::{run_test, suite_dir, TestContext};
use crate::artifacts::{self, Artifacts};
use crate::config::{Accel, Network, Profile, Scenario, Test, Workspace};
use crate::console::transcript;
use crate::event::{EventKind, SuiteId, TestId};
use crate::qemu::accel;
use crate::qemu::cmdline::BootFiles;

pub struct Plan {
    pub profiles: Vec<Profile>,
    pub scenarios: Vec<Scenario>,
    /// Run matchers against recorded transcripts instead of QEMU.
    pub replay: Option<PathBuf>,
}

/// Runs the plan and logs everything. Returns the number of failed tests.
pub fn run_plan(ws: &Workspace, plan: &Plan, report_dir: &Path, log: &EventLog) -> anyhow::Result<usize> {
    let mut failed = 0;
    let scratch = tempfile::Builder::new().prefix("xtask-run-").tempdir().context("creating a scratch directory")?;
    for profile in &plan.profiles {
        if crate::qemu::process::interrupted() {
            break;
        }
        let live = match &plan.replay {
            Some(_) => None,
            None => {
                let artifacts = build_artifacts(ws, profile, log)?;
                let files = BootFiles {
                    kernel: artifacts.kernel.clone(),
                    initrd: artifacts.initrd.clone(),
                    disks: Vec::new(),
                    qmp: None,
                    forwards: Vec::new(),
                };
                let (accel, why) = accel::decide(profile, &files, scratch.path());
                log.note(&format!("accelerator for {}: {} ({why})", profile.name, accel_name(accel)));
                Some((artifacts, accel))
            }
        };
        for scenario in &plan.scenarios {
            failed +=
                run_suite(profile, scenario, live.as_ref(), plan.replay.as_deref(), report_dir, scratch.path(), log)?;
        }
    }
    Ok(failed)
}

fn build_artifacts(ws: &Workspace, profile: &Profile, log: &EventLog) -> anyhow::Result<Artifacts> {
    log.note(&format!("artifacts for {}", profile.name));
    let artifacts = artifacts::build_all(ws, profile, &mut |line: &str| log.note(line))
        .with_context(|| format!("building artifacts for profile `{}`", profile.name))?;
    for a in &artifacts.built {
        log.push(EventKind::Artifact {
            profile: profile.name.clone(),
            name: a.name.clone(),
            path: a.path.display().to_string(),
            cached: a.cached,
            seconds: a.seconds,
        });
    }
    Ok(artifacts)
}

fn missing_capability(profile: &Profile, scenario: &Scenario, test: &Test) -> Option<String> {
    scenario
        .requires
        .iter()
        .chain(&test.requires)
        .find(|cap| !profile.has_capability(cap))
        .map(|cap| format!("profile `{}` lacks capability `{cap}`", profile.name))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[allow(clippy::too_many_arguments)]
fn run_suite(
    profile: &Profile,
    scenario: &Scenario,
    live: Option<&(Artifacts, Accel)>,
    replay: Option<&Path>,
    report_dir: &Path,
    scratch: &Path,
    log: &EventLog,
) -> anyhow::Result<usize> {
    let suite = SuiteId { phase: scenario.phase.clone(), profile: profile.name.clone() };
    log.push(EventKind::SuiteStarted {
        suite: suite.clone(),
        title: scenario.title.clone(),
        scenario_file: scenario.file.display().to_string(),
    });
    let (dir, rel_dir) = suite_dir(report_dir, &profile.name, &scenario.phase);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut failed = 0;
    for test in &scenario.tests {
        let id = TestId { suite: suite.clone(), test: test.name.clone() };
        if crate::qemu::process::interrupted() {
            log.push(EventKind::TestSkipped { test: id, reason: "run interrupted".into() });
            continue;
        }
        if let Some(reason) = missing_capability(profile, scenario, test) {
            log.push(EventKind::TestSkipped { test: id, reason });
            continue;
        }
        let ctx = TestContext { profile, id: id.clone(), dir: dir.clone(), rel_dir: rel_dir.clone(), log };
        let mut launcher: Box<dyn Launcher> = match (replay, live) {
            (Some(source), _) => match replay_boots(source, profile, scenario, test)? {
                Some(l) => Box::new(l),
                None => {
                    log.push(EventKind::TestSkipped {
                        test: id,
                        reason: format!("no transcript for this test in {}", source.display()),
                    });
                    continue;
                }
            },
            (None, Some((artifacts, accel))) => {
                let test_scratch = scratch.join(format!("{}-{}-{}", profile.name, scenario.phase, test.name));
                std::fs::create_dir_all(&test_scratch)?;
                Box::new(live_launcher(profile, artifacts, *accel, &test_scratch)?)
            }
            (None, None) => anyhow::bail!("no artifacts and no replay source"),
        };
        if run_test(&ctx, test, launcher.as_mut()).is_failure() {
            failed += 1;
        }
    }
    Ok(failed)
}

fn live_launcher<'p>(
    profile: &'p Profile,
    artifacts: &Artifacts,
    accel: Accel,
    scratch: &Path,
) -> anyhow::Result<LiveLauncher<'p>> {
    // Each test writes its own copies: a cached base image is never modified
    // and no two tests share a writable disk.
    let mut disks = Vec::new();
    for d in &artifacts.disks {
        let copy = scratch.join(format!("{}.img", d.name));
        std::fs::copy(&d.path, &copy).with_context(|| format!("copying disk {}", d.path.display()))?;
        disks.push(copy);
    }
    let forwards = match &profile.network {
        Network::User { forwards } => {
            forwards.iter().map(|g| Ok((free_port()?, *g))).collect::<anyhow::Result<Vec<_>>>()?
        }
        Network::None => Vec::new(),
    };
    let files =
        BootFiles { kernel: artifacts.kernel.clone(), initrd: artifacts.initrd.clone(), disks, qmp: None, forwards };
    Ok(LiveLauncher { profile, accel, files, scratch: scratch.to_path_buf() })
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
    Ok(Some(ReplayLauncher { boots: VecDeque::from(recorded.boots), source: path }))
}

fn accel_name(accel: Accel) -> &'static str {
    match accel {
        Accel::Kvm => "kvm",
        Accel::Tcg | Accel::Auto => "tcg",
    }
}
