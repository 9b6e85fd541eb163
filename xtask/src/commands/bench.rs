//! `cargo xtask bench`: measures a warm run of a scenario (phase-a1 by
//! default): wall time, time inside QEMU, orchestrator overhead,
//! boot-to-prompt, and peak memory of xtask and of QEMU.

use serde_json::json;

use super::scenario::load_scenarios;
use super::{workspace, EXIT_OK};
use crate::cli::BenchArgs;
use crate::event::{Event, EventKind};
use crate::runner::log::{EventLog, Progress};
use crate::runner::suite::{run_plan, Plan};

/// Goals from the issue tracker, printed next to the figures.
const OVERHEAD_GOAL_PERCENT: f64 = 5.0;
const XTASK_RSS_GOAL_MIB: f64 = 100.0;

pub fn run(args: BenchArgs) -> anyhow::Result<i32> {
    let ws = workspace()?;
    let name = args.profile.clone().unwrap_or_else(|| ws.default_profile.clone());
    let profile = ws.profile(&name)?;
    let scenarios = load_scenarios(&ws, std::slice::from_ref(&args.scenario))?;
    crate::qemu::process::install_signal_handler()?;
    let plan = Plan { profiles: vec![profile], scenarios, replay: None };
    let scratch = tempfile::Builder::new().prefix("xtask-bench-").tempdir()?;
    // Warm-up: builds or checks every artifact and fills the page cache.
    eprintln!("bench: warm-up run of {} on {name}", args.scenario);
    let warm = EventLog::new(Progress::Quiet);
    let warm_failed = run_plan(&ws, &plan, &scratch.path().join("warmup"), &warm)?;
    eprintln!("bench: measured run");
    let log = EventLog::new(Progress::Quiet);
    let failed = run_plan(&ws, &plan, &scratch.path().join("measured"), &log)?;
    let wall = log.elapsed();
    let events = log.events();
    let qemu = time_in_qemu(&events);
    let overhead = wall - qemu;
    let prompt = boot_to_prompt(&events);
    let (xtask_rss, xtask_cpu) = usage(libc_who::SelfProcess);
    let (qemu_rss, _) = usage(libc_who::Children);
    let figures = json!({
        "scenario": args.scenario,
        "profile": name,
        "tests_failed": failed,
        "warmup_tests_failed": warm_failed,
        "wall_seconds": wall,
        "qemu_seconds": qemu,
        "overhead_seconds": overhead,
        "overhead_percent": 100.0 * overhead / wall,
        "overhead_goal_percent": OVERHEAD_GOAL_PERCENT,
        "boot_to_prompt_seconds": prompt,
        "xtask_cpu_seconds": xtask_cpu,
        "xtask_peak_rss_mib": xtask_rss,
        "xtask_rss_goal_mib": XTASK_RSS_GOAL_MIB,
        "qemu_peak_rss_mib": qemu_rss,
    });
    if args.json.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        println!("bench: {} on {name} (warm; {failed} failed tests)", args.scenario);
        println!("  total wall            {wall:8.2} s");
        println!("  time in QEMU          {qemu:8.2} s");
        println!(
            "  orchestrator overhead {overhead:8.2} s  ({:.1} % of wall; goal <= {OVERHEAD_GOAL_PERCENT} %)",
            100.0 * overhead / wall
        );
        println!(
            "  xtask CPU time        {xtask_cpu:8.2} s  (both runs, {:.1} % of their wall)",
            100.0 * xtask_cpu / (wall + warm.elapsed())
        );
        match prompt {
            Some(p) => println!("  boot to prompt        {p:8.2} s  (median over boots)"),
            None => println!("  boot to prompt        n/a"),
        }
        println!("  xtask peak RSS        {xtask_rss:8.1} MiB (goal < {XTASK_RSS_GOAL_MIB} MiB)");
        println!("  QEMU peak RSS         {qemu_rss:8.1} MiB (largest child)");
    }
    Ok(EXIT_OK)
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
