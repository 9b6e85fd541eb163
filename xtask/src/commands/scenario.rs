//! `cargo xtask scenario`: run scenarios on profiles, write the reports.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{selected_profiles, workspace, EXIT_INTERRUPTED, EXIT_OK, EXIT_TEST_FAILED};
use crate::cli::ScenarioArgs;
use crate::config::{ConfigError, Isolation, Scenario};
use crate::event::EventKind;
use crate::report;
use crate::runner::log::{EventLog, Progress};
use crate::runner::suite::{run_plan, Plan};

pub fn run(args: ScenarioArgs) -> anyhow::Result<i32> {
    let ws = workspace()?;
    let mut profiles = selected_profiles(&ws, &args.profiles)?;
    if let Some(reference) = &args.oracle {
        if !profiles.iter().any(|p| &p.name == reference) {
            profiles.insert(0, ws.profile(reference)?);
        }
        if profiles.len() < 2 {
            return Err(crate::compare::CompareError::NoCandidate(reference.clone()).into());
        }
    }
    let candidates: Vec<String> =
        profiles.iter().map(|p| p.name.clone()).filter(|n| Some(n) != args.oracle.as_ref()).collect();
    let mut scenarios = load_scenarios(&ws, &args.scenarios)?;
    if let Some(filter) = &args.test {
        for s in &mut scenarios {
            s.tests.retain(|t| t.name.contains(filter.as_str()));
        }
        if scenarios.iter().all(|s| s.tests.is_empty()) {
            return Err(ConfigError::UnknownScenario {
                name: format!("--test {filter}"),
                known: "no test name contains it".into(),
            }
            .into());
        }
    }
    if let Some(r) = &args.replay {
        if !r.exists() {
            return Err(ConfigError::Read(r.clone(), std::io::Error::from(std::io::ErrorKind::NotFound)).into());
        }
    }
    crate::qemu::process::install_signal_handler()?;
    let progress = if args.json.json { Progress::Quiet } else { Progress::detect() };
    let log = EventLog::new(progress);
    let (run_id, started_unix) = run_id();
    let reports_root = crate::project::reports_dir(&ws.root);
    let dir = reports_root.join(&run_id);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    log.push(EventKind::RunStarted { run_id: run_id.clone(), started_unix, command: std::env::args().collect() });
    let plan = Plan {
        profiles,
        scenarios,
        replay: args.replay.clone(),
        jobs: args.jobs.map(usize::from).unwrap_or_else(default_jobs),
        isolation: args.isolation.as_deref().map(Isolation::parse).transpose().map_err(anyhow::Error::msg)?,
        prebuilt: Vec::new(),
    };
    let result = run_plan(&ws, &plan, &dir, &log);
    log.push(EventKind::RunFinished { seconds: log.elapsed() });
    // Reports are written whatever happened, so a failed or interrupted run
    // still leaves its evidence.
    let written = report::write_all(&dir, &log.events(), &|rel| transcript_text(&dir, rel))?;
    point_latest(&reports_root, &run_id);
    let failed = result?;
    let summary = report::model::RunReport::from_events(&log.events());
    if args.json.json {
        println!("{}", std::fs::read_to_string(&written.json)?);
    } else {
        let c = &summary.counts;
        eprintln!(
            "{} passed, {} failed, {} skipped in {:.1}s\nreports: {}\n         {}\n         {}",
            c.passed,
            c.failed,
            c.skipped,
            log.elapsed(),
            written.html.display(),
            written.junit.display(),
            written.json.display()
        );
    }
    let matches = match &args.oracle {
        Some(reference) => super::compare::oracle(&summary, &dir, reference, &candidates, args.strict_output)?,
        None => true,
    };
    Ok(if crate::qemu::process::interrupted() {
        EXIT_INTERRUPTED
    } else if failed > 0 || !matches {
        EXIT_TEST_FAILED
    } else {
        EXIT_OK
    })
}

/// One test per CPU: each TCG guest keeps one host thread busy.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

pub fn load_scenarios(ws: &crate::config::Workspace, selectors: &[String]) -> Result<Vec<Scenario>, ConfigError> {
    let mut scenarios: Vec<Scenario> = Vec::new();
    let mut errors = Vec::new();
    for sel in selectors {
        match ws.scenario(sel) {
            Ok(s) if scenarios.iter().any(|x| x.phase == s.phase) => {}
            Ok(s) => scenarios.push(s),
            Err(e) => errors.push(e),
        }
    }
    ConfigError::collect(errors)?;
    Ok(scenarios)
}

/// A sortable, unique run id (`20261122-143501-12345`) and the start time.
fn run_id() -> (String, u64) {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (y, m, d) = civil_from_days((secs / 86400) as i64);
    let s = secs % 86400;
    (format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}-{}", s / 3600, s / 60 % 60, s % 60, std::process::id()), secs)
}

/// Days since 1970-01-01 to a (year, month, day) date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Points `reports/latest` at the newest run (a relative symlink, replaced atomically).
fn point_latest(root: &Path, run_id: &str) {
    let tmp = root.join(format!(".latest-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    if std::os::unix::fs::symlink(run_id, &tmp).is_ok() {
        let _ = std::fs::rename(&tmp, root.join("latest"));
    }
}

fn transcript_text(dir: &Path, rel: &str) -> Option<String> {
    let path: PathBuf = dir.join(rel);
    crate::console::transcript::plain_text(&path).ok()
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
    }
}
