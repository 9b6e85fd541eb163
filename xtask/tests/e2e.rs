//! End to end on real QEMU: builds every artifact (on a fresh machine this
//! installs tools, fetches BusyBox and the Debian kernels, takes minutes) and
//! boots the stock Linux profiles. These tests share one nextest group so
//! they never boot guests concurrently (`.config/nextest.toml`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The xtask binary with reports in `reports` and its scratch files (whose
/// paths every QEMU it starts carries) under `reports/tmp`, so leftover
/// QEMUs of this run can be told from anyone else's.
fn xtask(reports: &Path) -> Command {
    let tmp = reports.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_xtask"));
    c.env("XTASK_REPORTS_DIR", reports).env("TMPDIR", &tmp).env("NO_COLOR", "1");
    c
}

/// Runs `cargo xtask scenario ARGS --json`; returns the exit code and report.json.
fn scenario_json(reports: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let out = xtask(reports).arg("scenario").args(args).arg("--json").stderr(Stdio::inherit()).output().unwrap();
    let report = serde_json::from_slice(&out.stdout).expect("--json prints report.json");
    (out.status.code(), report)
}

/// Asserts a run exited 0, showing its suites otherwise.
fn assert_passed(code: Option<i32>, report: &Value) {
    assert_eq!(code, Some(0), "{}", serde_json::to_string_pretty(&report["suites"]).unwrap());
}

/// QEMU processes started for runs of this test (their command lines name
/// the run's scratch directory).
fn leftover_qemu(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.starts_with("qemu-system") && cmd.contains(marker) {
                found.push(cmd);
            }
        }
    }
    found
}

/// Every phase scenario; each must pass on the stock Linux reference.
const PHASES: &[&str] = &["phase-a0", "phase-a1", "phase-a2", "phase-b", "phase-c", "phase-d", "phase-e", "phase-f"];

#[test]
fn e2e_every_phase_passes_on_stock_linux_on_both_arches() {
    let reports = tempfile::tempdir().unwrap();
    let out = xtask(reports.path())
        .args(["scenario"])
        .args(PHASES)
        .args(["--profile", "linux-aarch64", "--profile", "linux-x86_64", "--json"])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("--json prints report.json");
    assert_eq!(out.status.code(), Some(0), "{}", serde_json::to_string_pretty(&report["suites"]).unwrap());
    assert_eq!(report["counts"]["failed"], 0);
    // Skips only where a profile lacks a capability (SMP tests on 1 vCPU), with the reason.
    for suite in report["suites"].as_array().unwrap() {
        for t in suite["tests"].as_array().unwrap().iter().filter(|t| t["status"] == "skipped") {
            assert!(t["message"].as_str().unwrap_or_default().contains("lacks capability `smp`"), "{t}");
        }
    }
    assert!(report["counts"]["passed"].as_u64().unwrap() >= 22, "every test of every phase on both arches");
    let cells = report["matrix"]["cells"].as_array().unwrap();
    assert_eq!(cells.len(), PHASES.len() * 2, "a matrix cell per phase and profile");
    assert!(cells.iter().all(|c| c["status"] == "passed"), "{cells:?}");
    let dir = reports.path().join("latest");
    for file in ["junit.xml", "index.html", "report.json", "events.jsonl"] {
        assert!(dir.join(file).is_file(), "{file} written");
    }
    // The JUnit file validates against the schema when xmllint is there.
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report/testdata/junit.xsd");
    if let Ok(v) = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(dir.join("junit.xml")).output()
    {
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    }
    assert!(leftover_qemu(&reports.path().display().to_string()).is_empty(), "no QEMU may outlive the run");
}

#[test]
fn e2e_sigterm_stops_qemu_and_still_writes_reports() {
    let reports = tempfile::tempdir().unwrap();
    // Build first, so the signal lands while a guest runs, not during a build.
    let build = xtask(reports.path()).args(["build", "--profile", "linux-aarch64"]).output().unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let mut child = xtask(reports.path())
        .args(["scenario", "phase-a1", "--profile", "linux-aarch64", "--isolation", "boot", "--jobs", "1"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let started = Instant::now();
    let marker = reports.path().display().to_string();
    let marker = marker.as_str();
    while leftover_qemu(marker).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(120), "no QEMU started");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY-free: `kill` from the shell, as a user or CI would.
    Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "interrupted runs exit 130");
    assert!(leftover_qemu(marker).is_empty(), "QEMU killed on SIGTERM");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.path().join("latest/report.json")).unwrap()).unwrap();
    assert!(
        report["counts"]["failed"].as_u64().unwrap() + report["counts"]["skipped"].as_u64().unwrap() >= 1,
        "{report}"
    );
}

#[test]
fn e2e_a_hung_step_times_out_with_qemu_triage() {
    let reports = tempfile::tempdir().unwrap();
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios/hang.yaml");
    let (code, report) = scenario_json(reports.path(), &[scenario.to_str().unwrap(), "--profile", "linux-aarch64"]);
    assert_eq!(code, Some(1), "a timed-out test fails the run");
    let test = &report["suites"][0]["tests"][0];
    assert!(test["message"].as_str().unwrap().contains("timed out waiting for the end of `sleep 600`"), "{test}");
    let triage: Vec<&str> = test["triage"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert!(triage.contains(&"console tail"), "{triage:?}");
    let status = test["triage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["title"] == "QMP query-status")
        .expect("QMP status captured");
    assert!(status["text"].as_str().unwrap().contains("running"), "{status}");
    let regs =
        test["triage"].as_array().unwrap().iter().find(|t| t["title"] == "info registers").expect("registers captured");
    assert!(regs["text"].as_str().unwrap().contains("PC="), "{regs}");
    assert!(leftover_qemu(&reports.path().display().to_string()).is_empty());
}

/// The UEFI lane (AAVMF, ESP, systemd-boot): phase A0 unmodified, the
/// firmware stages in the boot timeline, and the boot report the guest wrote
/// on the ESP holding its contract.
#[test]
fn e2e_uefi_lane_passes_a0_and_the_boot_report_contract() {
    let reports = tempfile::tempdir().unwrap();
    let (code, report) =
        scenario_json(reports.path(), &["phase-a0", "boot-report", "--profile", "linux-aarch64-uefi", "--jobs", "1"]);
    assert_passed(code, &report);
    assert_eq!(report["counts"]["failed"], 0);
    let test = report["suites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["tests"].as_array().unwrap())
        .find(|t| t["name"] == "boot-markers")
        .expect("boot-markers ran");
    let markers: Vec<&str> =
        test["boots"][0]["markers"].as_array().unwrap().iter().map(|m| m["marker"].as_str().unwrap()).collect();
    assert_eq!(&markers[..3], ["UEFI firmware", "BdsDxe: starting Boot", "EFI stub: Booting Linux Kernel"]);
}

#[test]
fn e2e_smp_tests_pass_on_the_smp_profiles() {
    let reports = tempfile::tempdir().unwrap();
    let (code, report) = scenario_json(
        reports.path(),
        &["phase-e", "--profile", "linux-aarch64-smp2", "--profile", "linux-x86_64-smp2"],
    );
    assert_passed(code, &report);
    assert_eq!(report["counts"]["skipped"], 0, "nothing skipped with two vCPUs");
    assert_eq!(report["counts"]["failed"], 0);
}

#[test]
fn e2e_in_tree_kernel_passes_a0_to_a2_and_survives_memory_exhaustion() {
    let reports = tempfile::tempdir().unwrap();
    // Linux is the oracle: every step's status and exit status the same.
    let args = ["phase-a0", "phase-a1", "phase-a2", "--profile", "virt-aarch64", "--oracle", "linux-aarch64"];
    let (code, report) = scenario_json(reports.path(), &args);
    assert_passed(code, &report);
    assert_eq!(report["counts"]["failed"], 0);
    assert_eq!(report["counts"]["skipped"], 0, "the in-tree kernel offers every capability A0-A2 need");
    let run_dir = reports.path().join(report["run"]["id"].as_str().unwrap());
    let compare: Value = serde_json::from_slice(&std::fs::read(run_dir.join("compare.json")).unwrap()).unwrap();
    assert_eq!(compare["passed"], true, "{}", serde_json::to_string_pretty(&compare["counts"]).unwrap());
    assert_eq!(compare["phases"].as_array().unwrap().len(), 3);
    // No kernel warning (or worse) printed during any test: the profile
    // shows every such printk line after setup (`dmesg -n 5`).
    for suite in report["suites"].as_array().unwrap() {
        for test in suite["tests"].as_array().unwrap() {
            for boot in test["boots"].as_array().unwrap() {
                assert_eq!(boot["warnings"], serde_json::json!([]), "{}/{}", suite["phase"], test["name"]);
            }
        }
    }

    // Exhausting memory, tmpfs or kernel tables from a user program never
    // takes the kernel down (phase-d's five *-exhaustion tests).
    let (code, report) =
        scenario_json(reports.path(), &["phase-d", "--test", "exhaustion", "--profile", "virt-aarch64"]);
    assert_passed(code, &report);
    assert_eq!(report["counts"]["passed"], 5);
}

/// `profile/phase/test` → status of a report.json.
fn statuses(report: &Value) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for s in report["suites"].as_array().unwrap() {
        for t in s["tests"].as_array().unwrap() {
            let key = format!(
                "{}/{}/{}",
                s["profile"].as_str().unwrap(),
                s["phase"].as_str().unwrap(),
                t["name"].as_str().unwrap()
            );
            out.insert(key, t["status"].as_str().unwrap().to_string());
        }
    }
    out
}

#[test]
fn e2e_two_shards_of_every_phase_merge_into_the_whole_run() {
    // Stock Linux and the in-tree kernel: passes, failures and skips alike
    // must come out of the shards as they come out of one run.
    let reports = tempfile::tempdir().unwrap();
    let base: Vec<&str> =
        PHASES.iter().copied().chain(["--profile", "linux-aarch64", "--profile", "virt-aarch64"]).collect();
    let (_, whole) = scenario_json(reports.path(), &base);
    let mut dirs = Vec::new();
    for shard in ["count:1/2", "count:2/2"] {
        let args: Vec<&str> = base.iter().copied().chain(["--partition", shard, "--no-tests", "warn"]).collect();
        let (code, report) = scenario_json(reports.path(), &args);
        assert!(matches!(code, Some(0 | 1)), "shard {shard}: exit {code:?}");
        dirs.push(reports.path().join(report["run"]["id"].as_str().unwrap()));
    }
    let merged = reports.path().join("merged");
    let status = xtask(reports.path())
        .arg("merge-reports")
        .args(&dirs)
        .arg("--out")
        .arg(&merged)
        .stderr(Stdio::inherit())
        .status()
        .unwrap();
    assert!(matches!(status.code(), Some(0 | 1)), "{status}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(merged.join("report.json")).unwrap()).unwrap();
    assert_eq!(statuses(&report), statuses(&whole));
}
