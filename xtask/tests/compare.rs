//! `cargo xtask compare` and `scenario --oracle` through the binary: exit codes (0 matches,
//! 1 does not, 2 bad input with nothing written), the files written, and an oracle run
//! over recorded Linux transcripts (no QEMU).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn xtask(args: &[&str], reports: &Path) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("XTASK_REPORTS_DIR", reports)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A `report.json` with one phase-a1 suite per `(profile, exit status, output)`.
fn report(id: &str, profiles: &[(&str, i32, &str)]) -> Value {
    let suites: Vec<Value> = profiles
        .iter()
        .map(|(profile, exit, output)| {
            json!({
                "phase": "phase-a1", "profile": profile, "extra": "readers ignore unknown fields",
                "tests": [{
                    "name": "pipes", "status": "passed", "message": null,
                    "steps": [
                        {"index": 0, "description": "boot", "status": "passed", "message": null, "output": null, "exit_status": null},
                        {"index": 1, "description": "run: x", "status": "passed", "message": null, "output": output, "exit_status": exit}
                    ]
                }]
            })
        })
        .collect();
    json!({"schema_version": 1, "run": {"id": id}, "suites": suites})
}

fn write(dir: &Path, value: &Value) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("report.json");
    std::fs::write(&file, value.to_string()).unwrap();
    file
}

const PROFILES: [&str; 4] = ["--reference", "linux-aarch64", "--candidate", "virt-aarch64"];

fn compare(args: &[&str], tmp: &Path) -> Out {
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    all.extend_from_slice(&PROFILES);
    xtask(&all, tmp)
}

#[test]
fn one_report_with_both_profiles() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let dir = run.display().to_string();

    write(&run, &report("r1", &[("linux-aarch64", 0, "pid 120\n"), ("virt-aarch64", 0, "pid 30\r\n")]));
    let out = compare(&[&dir], tmp.path());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("phase-a1: 1 test, 1 same"), "{}", out.stdout);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(run.join("compare.json")).unwrap()).unwrap();
    assert_eq!((written["schema_version"].as_u64(), written["passed"].as_bool()), (Some(1), Some(true)));
    assert!(std::fs::read_to_string(run.join("compare.html")).unwrap().contains("PASS"));

    write(&run, &report("r2", &[("linux-aarch64", 0, "a b\n"), ("virt-aarch64", 0, "a  b\n")]));
    let out = compare(&[&dir], tmp.path());
    assert_eq!(out.code, 0, "output-only differences pass by default: {}", out.stdout);
    assert!(out.stdout.contains("1 output differs"), "{}", out.stdout);
    assert_eq!(compare(&[&dir, "--strict-output"], tmp.path()).code, 1);

    write(&run, &report("r3", &[("linux-aarch64", 0, ""), ("virt-aarch64", 1, "")]));
    let out = compare(&[&dir], tmp.path());
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("  differs         step 1 run: x: passed, exit 0 -> passed, exit 1"), "{}", out.stdout);
}

#[test]
fn two_reports_write_into_the_candidates_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let reference = write(&tmp.path().join("linux"), &report("l", &[("linux-aarch64", 0, "x\n")]));
    let candidate = tmp.path().join("ours");
    write(&candidate, &report("o", &[("virt-aarch64", 0, "x\n")]));
    let out = compare(&[reference.to_str().unwrap(), candidate.to_str().unwrap()], tmp.path());
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(candidate.join("compare.json").exists() && !tmp.path().join("linux/compare.json").exists());
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let file = write(&run, &report("r", &[("linux-aarch64", 0, "")]));
    let dir = run.display().to_string();

    let out = compare(&[&dir], tmp.path());
    assert_eq!(out.code, 2);
    let expected =
        format!("error: profile `virt-aarch64` is not in {} (profiles there: linux-aarch64)", file.display());
    assert!(out.stderr.contains(&expected), "{}", out.stderr);

    let missing = tmp.path().join("nope");
    let out = compare(&[missing.to_str().unwrap()], tmp.path());
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(&format!("failed to read {}", missing.display())), "{}", out.stderr);

    std::fs::write(&file, r#"{"schema_version": 7}"#).unwrap();
    let out = compare(&[&dir], tmp.path());
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("schema_version 7 is not supported"), "{}", out.stderr);

    let out = xtask(&["compare", &dir, "--reference", "a", "--candidate", "a"], tmp.path());
    assert_eq!(out.code, 2, "{}", out.stderr);

    let mut names: Vec<_> = std::fs::read_dir(&run).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names, ["report.json"], "bad input must not write anything");
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn scenario_oracle_compares_after_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    // The same recorded Linux boots serve both profiles: they must match.
    let replay = tmp.path().join("replay");
    let recorded = fixtures().join("transcripts/linux-aarch64");
    copy_dir(&recorded, &replay.join("linux-aarch64"));
    copy_dir(&recorded, &replay.join("linux-x86_64"));
    let scenario = fixtures().join("scenarios/phase-a1.yaml");
    let reports = tmp.path().join("reports");
    let args = [
        "scenario",
        scenario.to_str().unwrap(),
        "--profile",
        "linux-x86_64",
        "--oracle",
        "linux-aarch64",
        // Identical recordings: even output shapes match.
        "--strict-output",
        "--replay",
        replay.to_str().unwrap(),
    ];
    let out = xtask(&args, &reports);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("PASS: linux-x86_64 matches linux-aarch64"), "{}", out.stderr);
    let c: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("latest/compare.json")).unwrap()).unwrap();
    assert_eq!(c["reference"]["profile"], "linux-aarch64");
    assert_eq!(c["phases"][0]["phase"], "phase-a1");
    assert!(c["counts"]["tests"].as_u64().unwrap() >= 5);
    assert!(reports.join("latest/compare.html").exists());
}

#[test]
fn scenario_oracle_needs_a_candidate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = xtask(&["scenario", "phase-a1", "--profile", "linux-aarch64", "--oracle", "linux-aarch64"], tmp.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--oracle linux-aarch64 needs another profile"), "{}", out.stderr);
    let out = xtask(&["scenario", "phase-a1", "--profile", "linux-aarch64", "--oracle", "no-such-profile"], tmp.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("no-such-profile"), "{}", out.stderr);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "nothing may be run or written");
}

#[test]
fn strict_output_goes_with_oracle() {
    let tmp = tempfile::tempdir().unwrap();
    let out = xtask(&["scenario", "phase-a1", "--strict-output"], tmp.path());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--oracle"), "{}", out.stderr);
}
