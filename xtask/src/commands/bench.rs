//! `cargo xtask bench`: measures warm runs of a scenario (phase-a1 by
//! default) side by side: a boot per test, a restored guest per test, and
//! restored guests in parallel; with time inside QEMU, start-to-ready per
//! test, xtask CPU time and peak memory of xtask and of QEMU. The METRIC
//! lines the tests print (throughput, latency) are shown per profile, the
//! median over the measured runs; `--oracle` adds a reference profile's
//! column, `--test` picks tests.

use serde_json::json;

use super::scenario::{default_jobs, load_scenarios};
use super::workspace;
use crate::cli::BenchArgs;
use crate::config::Isolation;
use crate::error::{Exit, Result};
use crate::event::{Event, EventKind};
use crate::runner::log::{EventLog, Progress};
use crate::runner::suite::{run_plan, Plan};

/// Goal from the issue tracker, printed next to the figure.
const XTASK_RSS_GOAL_MIB: f64 = 100.0;

pub fn run(args: BenchArgs) -> Result<Exit> {
    let ws = workspace()?;
    let name = args.profile.clone().unwrap_or_else(|| ws.default_profile.clone());
    let profile = ws.profile(&name)?;
    let mut scenarios = load_scenarios(&ws, std::slice::from_ref(&args.scenario))?;
    if let Some(filter) = &args.test {
        for s in &mut scenarios {
            s.tests.retain(|t| t.name.contains(filter.as_str()));
        }
        if scenarios.iter().all(|s| s.tests.is_empty()) {
            return Err(crate::config::ConfigError::UnknownScenario {
                name: format!("--test {filter}"),
                known: "no test name contains it".into(),
            }
            .into());
        }
    }
    let mut profiles = vec![profile.clone()];
    if let Some(reference) = args.oracle.as_ref().filter(|r| **r != name) {
        profiles.push(ws.profile(reference)?);
    }
    crate::qemu::process::install_signal_handler()?;
    let scratch = crate::project::scratch_dir("bench")?;
    let parallel = default_jobs().max(2);
    let plan = |jobs: usize, isolation: Isolation| Plan {
        profiles: profiles.clone(),
        scenarios: scenarios.clone(),
        replay: None,
        jobs,
        isolation: Some(isolation),
        partition: None,
        // Plan order: the modes are compared on the same queue.
        timings: Default::default(),
        prebuilt: Vec::new(),
    };
    // Warm-up: builds or checks every artifact and the saved guest state.
    eprintln!("bench: warm-up run of {} on {name}", args.scenario);
    let warm = EventLog::new(Progress::Quiet);
    run_plan(&ws, &plan(1, Isolation::Restore), &scratch.path().join("warmup"), &warm)?;
    let modes = [
        ("boot per test", 1, Isolation::Boot),
        ("restore per test", 1, Isolation::Restore),
        (if parallel == 2 { "restore, --jobs 2" } else { "restore, parallel" }, parallel, Isolation::Restore),
    ];
    let mut rows = Vec::new();
    let mut metric_events = Vec::new();
    for (label, jobs, isolation) in modes {
        eprintln!("bench: {label}");
        let log = EventLog::new(Progress::Quiet);
        let failed = run_plan(&ws, &plan(jobs, isolation), &scratch.path().join(label.replace([' ', ','], "-")), &log)?;
        let wall = log.elapsed();
        let events = log.events();
        metric_events.extend(events.iter().filter(|e| matches!(e.kind, EventKind::Metric { .. })).cloned());
        rows.push(json!({
            "mode": label,
            "jobs": jobs,
            "isolation": isolation,
            "failed": failed,
            "outcomes": outcomes(&events),
            "wall_seconds": wall,
            "qemu_seconds": time_in_qemu(&events),
            "start_to_ready_seconds": boot_to_prompt(&events),
            "last_boot_marker_seconds": last_marker(&events),
            "first_prompt_seconds": first_prompt(&events),
            "boot_markers_seconds": marker_medians(&events, &profile.boot_markers),
        }));
    }
    let (xtask_rss, xtask_cpu) = usage(libc_who::SelfProcess);
    // getrusage keeps the largest child ever waited for: QEMU, unless the
    // warm-up had to build something (rustc, gcc) and that was bigger.
    let (qemu_rss, _) = usage(libc_who::Children);
    let cold = rows[0]["start_to_ready_seconds"].as_f64().unwrap_or(f64::NAN);
    let restored = rows[1]["start_to_ready_seconds"].as_f64().unwrap_or(f64::NAN);
    let serial = rows[1]["wall_seconds"].as_f64().unwrap_or(f64::NAN);
    let par = rows[2]["wall_seconds"].as_f64().unwrap_or(f64::NAN);
    let identical = rows.iter().all(|r| r["outcomes"] == rows[0]["outcomes"]);
    let figures = json!({
        "scenario": args.scenario,
        "profile": name,
        "modes": rows,
        "results_identical": identical,
        "restore_fixed_cost_percent_of_boot": 100.0 * restored / cold,
        "phase_wall_in_boots": par / cold,
        "parallel_speedup": serial / par,
        "goals": { "restore_fixed_cost_percent_of_boot": "<= 15", "phase_wall_in_boots": "<= 2.5", "parallel_speedup": ">= 1.6" },
        "xtask_cpu_seconds": xtask_cpu,
        "xtask_peak_rss_mib": xtask_rss,
        "xtask_rss_goal_mib": XTASK_RSS_GOAL_MIB,
        "children_peak_rss_mib": qemu_rss,
        "metrics": metrics(&metric_events),
    });
    if args.json.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
        return Ok(Exit::Success);
    }
    println!("bench: {} on {name}, warm caches", args.scenario);
    println!("  {:<20} {:>4} {:>9} {:>9} {:>9} {:>14}", "mode", "jobs", "failed", "wall s", "QEMU s", "start->ready s");
    for r in figures["modes"].as_array().into_iter().flatten() {
        println!(
            "  {:<20} {:>4} {:>9} {:>9.2} {:>9.2} {:>14.3}",
            r["mode"].as_str().unwrap_or(""),
            r["jobs"],
            r["failed"],
            r["wall_seconds"].as_f64().unwrap_or(0.0),
            r["qemu_seconds"].as_f64().unwrap_or(0.0),
            r["start_to_ready_seconds"].as_f64().unwrap_or(f64::NAN)
        );
    }
    if let Some(m) = figures["modes"][0]["last_boot_marker_seconds"].as_f64() {
        println!("  boot to the last boot marker (QEMU start to the shell being started): {m:.3} s (median)");
    }
    if let Some(p) = figures["modes"][0]["first_prompt_seconds"].as_f64() {
        println!("  boot to the first shell prompt (QEMU start):               {p:.3} s (median)");
    }
    // Where a cold boot spends its time: firmware and loader stages of a
    // UEFI profile show up here before the kernel's own markers.
    println!("  boot timeline (boot per test, median seconds after QEMU start):");
    for m in figures["modes"][0]["boot_markers_seconds"].as_array().into_iter().flatten() {
        let at = m["seconds"].as_f64().map_or("never".to_string(), |s| format!("{s:7.3}"));
        println!("    {at}  {}", m["marker"].as_str().unwrap_or(""));
    }
    print_metrics(&figures["metrics"], &profiles.iter().map(|p| p.name.clone()).collect::<Vec<_>>());
    println!("  results identical in all modes: {}", if identical { "yes" } else { "NO" });
    println!("  restored test fixed cost  {:6.1} % of a cold boot (goal <= 15 %)", 100.0 * restored / cold);
    println!("  whole phase, parallel     {:6.2} x one boot-to-prompt (goal <= 2.5)", par / cold);
    println!("  --jobs {parallel} speed-up          {:6.2} x over --jobs 1 (goal >= 1.6)", serial / par);
    println!("  xtask CPU time            {xtask_cpu:6.2} s over all runs");
    println!("  xtask peak RSS            {xtask_rss:6.1} MiB (goal < {XTASK_RSS_GOAL_MIB} MiB)");
    println!(
        "  largest child RSS         {qemu_rss:6.1} MiB (one QEMU, x{parallel} at once in parallel mode; a build tool if the warm-up built)"
    );
    Ok(Exit::Success)
}

/// METRIC values by test and name, per profile: the median over the
/// measured runs (each mode runs every test once).
fn metrics(events: &[Event]) -> serde_json::Value {
    let mut by: std::collections::BTreeMap<(String, String), std::collections::BTreeMap<String, Vec<f64>>> =
        Default::default();
    for e in events {
        if let EventKind::Metric { test, name, value } = &e.kind {
            by.entry((test.test.clone(), name.clone()))
                .or_default()
                .entry(test.suite.profile.clone())
                .or_default()
                .push(*value);
        }
    }
    let rows: Vec<serde_json::Value> = by
        .into_iter()
        .map(|((test, name), per)| {
            let medians: serde_json::Map<String, serde_json::Value> = per
                .into_iter()
                .map(|(profile, mut v)| {
                    v.sort_by(f64::total_cmp);
                    (profile, json!(v[v.len() / 2]))
                })
                .collect();
            json!({ "test": test, "metric": name, "median": medians })
        })
        .collect();
    serde_json::Value::Array(rows)
}

fn print_metrics(metrics: &serde_json::Value, profiles: &[String]) {
    let Some(rows) = metrics.as_array().filter(|r| !r.is_empty()) else { return };
    println!("  METRIC lines (median over the measured runs):");
    let mut header = format!("    {:<20} {:<28}", "test", "metric");
    for p in profiles {
        header.push_str(&format!(" {p:>16}"));
    }
    println!("{header}");
    for r in rows {
        let mut line =
            format!("    {:<20} {:<28}", r["test"].as_str().unwrap_or(""), r["metric"].as_str().unwrap_or(""));
        for p in profiles {
            let v = r["median"][p].as_f64().map_or("-".to_string(), |v| format!("{v:.1}"));
            line.push_str(&format!(" {v:>16}"));
        }
        println!("{line}");
    }
}

/// Median over cold boots of when the first shell prompt appeared
/// (seconds after QEMU started).
fn first_prompt(events: &[Event]) -> Option<f64> {
    let mut v: Vec<f64> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PromptSeen { at, .. } => Some(*at),
            _ => None,
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Median over boots of when the profile's last boot marker appeared
/// (seconds after QEMU started): boot time without the setup commands.
fn last_marker(events: &[Event]) -> Option<f64> {
    let mut last: std::collections::BTreeMap<(String, u32), f64> = std::collections::BTreeMap::new();
    for e in events {
        if let EventKind::MarkerSeen { test, boot, at, .. } = &e.kind {
            last.insert((test.test.clone(), *boot), *at);
        }
    }
    let mut v: Vec<f64> = last.into_values().collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// For each boot marker, the median over boots of when it appeared.
fn marker_medians(events: &[Event], markers: &[String]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = markers
        .iter()
        .map(|marker| {
            let mut v: Vec<f64> = events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::MarkerSeen { marker: m, at, .. } if m == marker => Some(*at),
                    _ => None,
                })
                .collect();
            v.sort_by(f64::total_cmp);
            json!({ "marker": marker, "seconds": v.get(v.len() / 2) })
        })
        .collect();
    serde_json::Value::Array(rows)
}

/// `(test, passed)` for every finished test, sorted, to compare modes.
fn outcomes(events: &[Event]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TestFinished { test, outcome, .. } => Some((test.test.clone(), !outcome.is_failure())),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// Sum over boots of the time from QEMU's start to its exit.
fn time_in_qemu(events: &[Event]) -> f64 {
    let mut total = 0.0;
    let mut open: Vec<(String, u32, f64)> = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::BootStarted { test, boot, .. } => open.push((test.test.clone(), *boot, e.t)),
            EventKind::QemuExited { test, boot, .. } => {
                if let Some(i) = open.iter().position(|(t, b, _)| *t == test.test && b == boot) {
                    total += e.t - open.remove(i).2;
                }
            }
            _ => {}
        }
    }
    total
}

/// Median duration of `boot` steps (QEMU start to a usable prompt).
fn boot_to_prompt(events: &[Event]) -> Option<f64> {
    let mut started = Vec::new();
    let mut durations = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::StepStarted { test, index, description } if description == "boot" => {
                started.push((test.clone(), *index, e.t))
            }
            EventKind::StepFinished { test, index, outcome, .. } if !outcome.is_failure() => {
                if let Some(i) = started.iter().position(|(t, x, _)| t == test && x == index) {
                    durations.push(e.t - started.remove(i).2);
                }
            }
            _ => {}
        }
    }
    durations.sort_by(f64::total_cmp);
    durations.get(durations.len() / 2).copied()
}

mod libc_who {
    pub enum Who {
        SelfProcess,
        Children,
    }
    pub use Who::*;
}

/// Peak resident set size in MiB and CPU seconds (user + system), from getrusage.
fn usage(who: libc_who::Who) -> (f64, f64) {
    let who = match who {
        libc_who::SelfProcess => libc::RUSAGE_SELF,
        libc_who::Children => libc::RUSAGE_CHILDREN,
    };
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one `rusage` into the pointer we pass, which
    // points at a properly sized and aligned zeroed value we own.
    #[allow(unsafe_code)]
    let usage = unsafe {
        if libc::getrusage(who, usage.as_mut_ptr()) != 0 {
            return (0.0, 0.0);
        }
        usage.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (usage.ru_maxrss as f64 / 1024.0, secs(usage.ru_utime) + secs(usage.ru_stime))
}
