//! `verify --boot`: boot the bundle's own images (never the cache's) on this
//! machine, run the contract's scenarios (the bundle's copies) and hold the
//! report to the contract, exactly as returned results are.
//!
//! The profiles (QEMU machine, console, markers) come from this workspace;
//! each must resolve to what the bundle recorded in its provenance, else the
//! boot would test something else and the check fails.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::contract::Contract;
use super::results::{self, BUNDLE_ID_FILE};
use super::verify::Verdict;
use super::{gather, provenance};
use crate::artifacts::{Artifacts, DiskImage};
use crate::config::{load_scenario, Profile, Workspace};
use crate::event::EventKind;
use crate::report;
use crate::runner::log::{EventLog, Progress};
use crate::runner::suite::{run_plan, Plan};

/// A profile's images inside the bundle, as the runner takes them.
fn bundle_artifacts(dir: &Path, profile: &Profile, contract: &Contract) -> Result<Artifacts, String> {
    let pc = contract.profiles.iter().find(|p| p.name == profile.name).ok_or("not in the contract")?;
    let prefix = format!("images/{}/", profile.name);
    let mut kernel = None;
    let mut initrd = None;
    let mut disks = Vec::new();
    for d in &profile.disks {
        let rel = format!("{prefix}{}.img", d.name);
        if !pc.images.contains_key(&rel) {
            return Err(format!("disk {rel} is not in the bundle"));
        }
        disks.push(DiskImage {
            name: d.name.clone(),
            path: dir.join(rel),
            filesystem: Some(d.filesystem),
            partition: d.partition,
        });
    }
    for rel in pc.images.keys() {
        if rel.ends_with("/initramfs.cpio") {
            initrd = Some(dir.join(rel));
        } else if !disks.iter().any(|d| d.path == dir.join(rel)) {
            kernel = Some(dir.join(rel));
        }
    }
    Ok(Artifacts {
        kernel: kernel.ok_or("no kernel image")?,
        initrd,
        disks,
        key: format!("bundle-{}", contract.bundle_id),
        built: Vec::new(),
    })
}

pub fn boot_and_check(
    dir: &Path,
    contract: &Contract,
    report_dir: Option<&Path>,
    jobs: Option<usize>,
) -> anyhow::Result<Verdict> {
    let ws = Workspace::load(&crate::project::root())?;
    let statement: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(provenance::FILE))?)?;
    let recorded = statement["predicate"]["buildDefinition"]["internalParameters"]["resolvedProfiles"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut profiles = Vec::new();
    let mut prebuilt = Vec::new();
    for pc in &contract.profiles {
        let profile = match ws.profile(&pc.name) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{}: not a profile of this workspace: {e}", pc.name));
                continue;
            }
        };
        let here = gather::resolved_profile(&ws.root, &profile);
        match recorded.iter().find(|r| r["name"] == pc.name.as_str()) {
            Some(r) if r["profile"] == here => {}
            Some(_) => problems.push(format!(
                "{}: this workspace's profile differs from the one the bundle was built with (check out the bundle's commit)",
                pc.name
            )),
            None => problems.push(format!("{}: {} records no resolved profile", pc.name, provenance::FILE)),
        }
        match bundle_artifacts(dir, &profile, contract) {
            Ok(a) => prebuilt.push((pc.name.clone(), a)),
            Err(e) => problems.push(format!("{}: {e}", pc.name)),
        }
        profiles.push(profile);
    }
    if !problems.is_empty() {
        return Ok(Verdict::Fail(problems));
    }
    let mut scenarios = Vec::new();
    let phases: Vec<&str> =
        contract.profiles.iter().flat_map(|p| &p.phases).map(|ph| ph.scenario_file.as_str()).collect();
    for rel in phases {
        if !scenarios.iter().any(|s: &crate::config::Scenario| s.file == dir.join(rel)) {
            scenarios.push(load_scenario(&dir.join(rel))?);
        }
    }
    let report_dir: PathBuf = match report_dir {
        Some(d) => d.to_path_buf(),
        None => {
            let secs =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            crate::project::reports_dir(&ws.root).join(format!("verify-{secs}-{}", std::process::id()))
        }
    };
    std::fs::create_dir_all(&report_dir).with_context(|| format!("creating {}", report_dir.display()))?;
    crate::qemu::process::install_signal_handler()?;
    let log = EventLog::new(Progress::detect());
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    log.push(EventKind::RunStarted {
        run_id: report_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        started_unix: secs,
        command: std::env::args().collect(),
    });
    let plan = Plan { profiles, scenarios, replay: None, jobs: jobs.unwrap_or(1), isolation: None, prebuilt };
    let result = run_plan(&ws, &plan, &report_dir, &log);
    log.push(EventKind::RunFinished { seconds: log.elapsed() });
    report::write_all(&report_dir, &log.events(), &|rel| {
        crate::console::transcript::plain_text(&report_dir.join(rel)).ok()
    })?;
    result?;
    std::fs::write(report_dir.join(BUNDLE_ID_FILE), format!("{}\n", contract.bundle_id))?;
    let names: Vec<String> = contract.profiles.iter().map(|p| p.name.clone()).collect();
    let ev = results::read_dir(&report_dir, &names)?;
    let problems = results::check(contract, &ev);
    Ok(if problems.is_empty() {
        let tests = ev.tests.len();
        Verdict::Pass(format!("{tests} tests as the contract expects; reports in {}", report_dir.display()))
    } else {
        let mut p = problems;
        p.push(format!("reports in {}", report_dir.display()));
        Verdict::Fail(p)
    })
}
