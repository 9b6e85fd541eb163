//! Test durations: read from an earlier run's `report.json` (`--timings`,
//! for `duration:` partitions) or kept per profile from the last live runs
//! (`reports/.timings/<profile>.json`, for the longest-first job queue).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::partition::timings_from_report;
use super::suite::Timings;
use crate::config::Profile;
use crate::event::Outcome;
use crate::report::{self, RunReport};

/// The durations in a run's `report.json` (or a run directory holding one).
pub fn read(file: &Path) -> Result<Timings, String> {
    let path = if file.is_dir() { file.join(report::JSON_FILE) } else { file.to_path_buf() };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    timings_from_report(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Where the durations of the last live runs on a profile are kept.
fn file(reports_root: &Path, profile: &str) -> PathBuf {
    reports_root.join(".timings").join(format!("{profile}.json"))
}

/// The test durations of the last live runs on these profiles (empty when
/// there were none).
pub fn last(reports_root: &Path, profiles: &[Profile]) -> Timings {
    let mut out = Timings::new();
    for p in profiles {
        let Ok(text) = std::fs::read_to_string(file(reports_root, &p.name)) else { continue };
        let Ok(map) = serde_json::from_str::<BTreeMap<String, f64>>(&text) else { continue };
        for (key, seconds) in map {
            if let Some((phase, test)) = key.split_once('/') {
                out.insert((p.name.clone(), phase.to_string(), test.to_string()), seconds);
            }
        }
    }
    out
}

/// Records the durations of the tests that ran (not skipped, not
/// interrupted), per profile as `phase/test` to seconds, over those of
/// earlier runs. Best effort: a run never fails for it.
pub fn save(reports_root: &Path, summary: &RunReport) {
    let mut by_profile: BTreeMap<&str, Vec<(String, f64)>> = BTreeMap::new();
    for suite in &summary.suites {
        for test in &suite.tests {
            if test.interrupted || matches!(test.outcome, Outcome::Skipped { .. }) {
                continue;
            }
            by_profile
                .entry(&suite.profile)
                .or_default()
                .push((format!("{}/{}", suite.phase, test.name), test.seconds));
        }
    }
    for (profile, tests) in by_profile {
        let path = file(reports_root, profile);
        let mut map: BTreeMap<String, f64> =
            std::fs::read_to_string(&path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
        map.extend(tests);
        if let (Some(dir), Ok(text)) = (path.parent(), serde_json::to_string_pretty(&map)) {
            let _ = std::fs::create_dir_all(dir).map(|_| report::write_atomic(&path, text.as_bytes()));
        }
    }
}
