//! Returned results held to the acceptance contract (`verify --results`,
//! `verify --boot`). What a validator sends back is a directory with
//! `BUNDLE-ID` (copied from the bundle) and any of: `report.json` (what
//! `cargo xtask scenario` or `verify --boot` writes), `junit.xml`, raw serial
//! logs (`*.log` files with `serial` in the name, the path naming the profile,
//! e.g. `serial-linux-aarch64.log`).
//!
//! Reading is separate from judging: `read_dir` turns files into
//! [`Evidence`]; `check` is a pure function of the contract and the evidence.

use std::collections::BTreeMap;
use std::path::Path;

use super::contract::Contract;
use super::BadInput;

pub const BUNDLE_ID_FILE: &str = "BUNDLE-ID";

/// A test's status as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub status: String,
    pub message: Option<String>,
}

/// One boot's view of the boot markers.
#[derive(Debug, Clone)]
pub enum Boot {
    /// `report.json`'s marker timeline: markers in log order, seen or not.
    Timeline { source: String, markers: Vec<(String, bool)> },
    /// A serial log: markers are searched in its text.
    Text { source: String, text: String },
}

#[derive(Debug, Default)]
pub struct Evidence {
    pub bundle_id: Option<String>,
    /// Where the evidence came from, for the report.
    pub sources: Vec<String>,
    /// (profile, phase, test) → status.
    pub tests: BTreeMap<(String, String, String), Reported>,
    /// profile → boots.
    pub boots: BTreeMap<String, Vec<Boot>>,
}

/// Reads a results directory. `profiles` are the contract's profile names
/// (serial logs are attributed by the longest one their path contains).
pub fn read_dir(dir: &Path, profiles: &[String]) -> Result<Evidence, BadInput> {
    if !dir.is_dir() {
        return Err(BadInput(format!("{}: not a directory", dir.display())));
    }
    let mut ev = Evidence::default();
    if let Ok(id) = std::fs::read_to_string(dir.join(BUNDLE_ID_FILE)) {
        ev.bundle_id = Some(id.trim().to_string());
    }
    let report = dir.join("report.json");
    let junit = dir.join("junit.xml");
    if report.is_file() {
        let text = read(&report)?;
        read_report_json(&text, &report.display().to_string(), &mut ev)?;
        ev.sources.push("report.json".into());
    } else if junit.is_file() {
        read_junit(&read(&junit)?, &junit.display().to_string(), &mut ev)?;
        ev.sources.push("junit.xml".into());
    }
    if ev.sources.is_empty() {
        // Only raw serial logs: boot evidence, no test results.
        for (rel, path) in walk_logs(dir) {
            let file = Path::new(&rel).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if !file.contains("serial") {
                continue;
            }
            let Some(profile) = profiles.iter().filter(|p| rel.contains(p.as_str())).max_by_key(|p| p.len()) else {
                continue;
            };
            let bytes = std::fs::read(&path).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            ev.boots.entry(profile.clone()).or_default().push(Boot::Text { source: rel.clone(), text });
            ev.sources.push(rel);
        }
    }
    if ev.sources.is_empty() {
        return Err(BadInput(format!(
            "{}: no report.json, junit.xml or serial log (serial*.log naming a profile) to check",
            dir.display()
        )));
    }
    Ok(ev)
}

fn read(path: &Path) -> Result<String, BadInput> {
    std::fs::read_to_string(path).map_err(|e| BadInput(format!("{}: {e}", path.display())))
}

fn walk_logs(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "log") {
                let rel = p.strip_prefix(dir).unwrap_or(&p).to_string_lossy().into_owned();
                out.push((rel, p));
            }
        }
    }
    out.sort();
    out
}

/// `report.json` schema version 1 (docs/REPORTS.md); unknown fields are ignored.
pub fn read_report_json(text: &str, name: &str, ev: &mut Evidence) -> Result<(), BadInput> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| BadInput(format!("{name}: {e}")))?;
    if v["schema_version"] != 1 {
        return Err(BadInput(format!("{name}: not a report.json of schema version 1")));
    }
    let bad = |what: &str| BadInput(format!("{name}: {what}"));
    for suite in v["suites"].as_array().ok_or_else(|| bad("no `suites` array"))? {
        let profile = suite["profile"].as_str().ok_or_else(|| bad("a suite without `profile`"))?;
        let phase = suite["phase"].as_str().ok_or_else(|| bad("a suite without `phase`"))?;
        for test in suite["tests"].as_array().ok_or_else(|| bad("a suite without `tests`"))? {
            let tname = test["name"].as_str().ok_or_else(|| bad("a test without `name`"))?;
            let status = test["status"].as_str().ok_or_else(|| bad("a test without `status`"))?;
            ev.tests.insert(
                (profile.into(), phase.into(), tname.into()),
                Reported { status: status.into(), message: test["message"].as_str().map(String::from) },
            );
            for boot in test["boots"].as_array().into_iter().flatten() {
                let markers: Vec<(String, bool)> = boot["markers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| Some((m["marker"].as_str()?.to_string(), m["status"] == "seen")))
                    .collect();
                // A restored guest did not boot: it has no timeline to judge.
                if !markers.is_empty() {
                    let n = boot["boot"].as_u64().unwrap_or(1);
                    ev.boots
                        .entry(profile.into())
                        .or_default()
                        .push(Boot::Timeline { source: format!("report.json: {phase} {tname} boot {n}"), markers });
                }
            }
        }
    }
    Ok(())
}

/// JUnit as xtask writes it: `<testsuite name="<phase> on <profile>">`,
/// test cases by name, the console story in `<system-out>`.
pub fn read_junit(text: &str, name: &str, ev: &mut Evidence) -> Result<(), BadInput> {
    let report =
        quick_junit::Report::deserialize_from_str(text).map_err(|e| BadInput(format!("{name}: not JUnit XML: {e}")))?;
    for suite in &report.test_suites {
        let suite_name = suite.name.as_str();
        let Some((phase, profile)) = suite_name.split_once(" on ") else {
            return Err(BadInput(format!("{name}: test suite `{suite_name}` is not named `<phase> on <profile>`")));
        };
        for case in &suite.test_cases {
            let (status, message) = match &case.status {
                quick_junit::TestCaseStatus::Success { .. } => ("passed", None),
                quick_junit::TestCaseStatus::NonSuccess { message, .. } => {
                    ("failed", message.as_ref().map(|m| m.to_string()))
                }
                quick_junit::TestCaseStatus::Skipped { message, .. } => {
                    ("skipped", message.as_ref().map(|m| m.to_string()))
                }
            };
            ev.tests.insert(
                (profile.into(), phase.into(), case.name.as_str().to_string()),
                Reported { status: status.into(), message },
            );
            if let Some(out) = &case.system_out {
                for (n, markers) in junit_timelines(out.as_str()) {
                    ev.boots.entry(profile.into()).or_default().push(Boot::Timeline {
                        source: format!("junit.xml: {phase} {} boot {n}", case.name.as_str()),
                        markers,
                    });
                }
            }
        }
    }
    Ok(())
}

/// The marker timelines in a JUnit system-out, per boot: the lines
/// `boot N: <command>` then `  marker "X" at 1.2s` or `  marker "X" MISSING`
/// (`report/junit.rs`). A restored guest's boot has none.
fn junit_timelines(text: &str) -> Vec<(u64, Vec<(String, bool)>)> {
    let mut out: Vec<(u64, Vec<(String, bool)>)> = Vec::new();
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("boot ").and_then(|r| r.split_once(':')).and_then(|(n, _)| n.parse().ok()) {
            out.push((n, Vec::new()));
        } else if let (Some(rest), Some(last)) = (line.strip_prefix("  marker "), out.last_mut()) {
            let (quoted, seen) = match rest.strip_suffix(" MISSING") {
                Some(q) => (q, false),
                None => (rest.rsplit_once(" at ").map(|(q, _)| q).unwrap_or(rest), true),
            };
            if let Ok(marker) = serde_json::from_str::<String>(quoted) {
                last.1.push((marker, seen));
            }
        }
    }
    out.retain(|(_, m)| !m.is_empty());
    out
}

/// Every mismatch between the contract and the evidence, in contract order.
/// Empty means the results satisfy the contract.
pub fn check(contract: &Contract, ev: &Evidence) -> Vec<String> {
    let mut out = Vec::new();
    match &ev.bundle_id {
        None => out.push(format!("{BUNDLE_ID_FILE} missing: the results do not say which bundle they are for")),
        Some(id) if *id != contract.bundle_id => out
            .push(format!("{BUNDLE_ID_FILE}: the results are for bundle {id}, this bundle is {}", contract.bundle_id)),
        Some(_) => {}
    }
    let only_logs = ev.tests.is_empty();
    for p in &contract.profiles {
        let boots = ev.boots.get(&p.name).map(Vec::as_slice).unwrap_or_default();
        if boots.is_empty() {
            out.push(format!("{}: no boot to check the markers against", p.name));
        }
        for boot in boots {
            if let Some(why) = marker_problem(&p.boot_markers, boot) {
                out.push(format!("{}: {why}", p.name));
            }
        }
        for phase in &p.phases {
            for t in &phase.tests {
                let key = (p.name.clone(), phase.phase.clone(), t.name.clone());
                match ev.tests.get(&key) {
                    None if only_logs => out.push(format!(
                        "{} {} {}: missing (serial logs alone carry no test results; return report.json or junit.xml)",
                        p.name, phase.phase, t.name
                    )),
                    None => out.push(format!(
                        "{} {} {}: missing (expected {})",
                        p.name,
                        phase.phase,
                        t.name,
                        t.expected.as_str()
                    )),
                    Some(r) if r.status != t.expected.as_str() => {
                        let why = r.message.as_deref().map(|m| format!(": {}", first_line(m))).unwrap_or_default();
                        let verb = if r.status == "failed" { "failed" } else { r.status.as_str() };
                        out.push(format!(
                            "{} {} {}: {verb}, expected {}{why}",
                            p.name,
                            phase.phase,
                            t.name,
                            t.expected.as_str()
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
    for (profile, phase, test) in ev.tests.keys() {
        let known = contract.profiles.iter().any(|p| {
            p.name == *profile
                && p.phases.iter().any(|ph| ph.phase == *phase && ph.tests.iter().any(|t| t.name == *test))
        });
        if !known {
            out.push(format!("{profile} {phase} {test}: reported but not in the contract"));
        }
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Why a boot does not show `markers` in order, or `None` when it does.
pub fn marker_problem(markers: &[String], boot: &Boot) -> Option<String> {
    match boot {
        Boot::Timeline { source, markers: seen } => {
            let order: Vec<&str> = seen.iter().filter(|(_, s)| *s).map(|(m, _)| m.as_str()).collect();
            for m in markers {
                if !order.contains(&m.as_str()) {
                    return Some(format!("{source}: boot marker `{m}` missing"));
                }
            }
            let positions: Vec<usize> =
                markers.iter().filter_map(|m| order.iter().position(|o| *o == m.as_str())).collect();
            for (i, w) in positions.windows(2).enumerate() {
                if w[1] < w[0] {
                    return Some(format!(
                        "{source}: boot marker `{}` out of order (seen before `{}`)",
                        markers[i + 1],
                        markers[i]
                    ));
                }
            }
            None
        }
        Boot::Text { source, text, .. } => {
            let mut from = 0;
            let mut previous: Option<&str> = None;
            for m in markers {
                match text[from..].find(m.as_str()) {
                    Some(at) => from += at + m.len(),
                    None if text.contains(m.as_str()) => {
                        return Some(format!(
                            "{source}: boot marker `{m}` out of order (seen before `{}`)",
                            previous.unwrap_or("the start")
                        ))
                    }
                    None => return Some(format!("{source}: boot marker `{m}` missing")),
                }
                previous = Some(m);
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Boot {
        Boot::Text { source: "serial.log".into(), text: t.into() }
    }

    #[test]
    fn markers_in_text_missing_and_out_of_order() {
        let m: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(marker_problem(&m, &text("x a y b z c")), None);
        assert_eq!(marker_problem(&m, &text("a c")).unwrap(), "serial.log: boot marker `b` missing");
        assert_eq!(
            marker_problem(&m, &text("b a c")).unwrap(),
            "serial.log: boot marker `b` out of order (seen before `a`)"
        );
    }

    #[test]
    fn markers_in_a_timeline() {
        let m: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let tl = |v: &[(&str, bool)]| Boot::Timeline {
            source: "t".into(),
            markers: v.iter().map(|(a, b)| (a.to_string(), *b)).collect(),
        };
        assert_eq!(marker_problem(&m, &tl(&[("a", true), ("b", true)])), None);
        assert_eq!(marker_problem(&m, &tl(&[("a", true), ("b", false)])).unwrap(), "t: boot marker `b` missing");
        assert_eq!(
            marker_problem(&m, &tl(&[("b", true), ("a", true)])).unwrap(),
            "t: boot marker `b` out of order (seen before `a`)"
        );
    }
}
