//! The orchestrator end to end, replaying real transcripts recorded on
//! stock Linux (aarch64) instead of booting QEMU: deterministic and fast.
//! Each test here is a pitfall other harnesses have: exit codes that lie,
//! a panic that waits for a timeout, echo that matches its own marker,
//! kernel log lines inside output and prompts, a hang with no diagnostics.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

struct Run {
    code: i32,
    stderr: String,
    reports: tempfile::TempDir,
}

impl Run {
    /// `report.json` of the (only) run.
    fn report(&self) -> Value {
        let latest = self.reports.path().join("latest/report.json");
        serde_json::from_str(&std::fs::read_to_string(&latest).expect("report.json written")).unwrap()
    }

    fn test(&self, name: &str) -> Value {
        let r = self.report();
        for s in r["suites"].as_array().unwrap() {
            for t in s["tests"].as_array().unwrap() {
                if t["name"] == name {
                    return t.clone();
                }
            }
        }
        panic!("no test {name} in report");
    }
}

fn xtask(args: &[&str]) -> Run {
    let reports = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("XTASK_REPORTS_DIR", reports.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run { code: out.status.code().unwrap_or(-1), stderr: String::from_utf8_lossy(&out.stderr).into_owned(), reports }
}

fn scenario(name: &str) -> String {
    fixtures().join("scenarios").join(name).display().to_string()
}

fn transcripts() -> String {
    fixtures().join("transcripts").display().to_string()
}

#[test]
fn recorded_phases_pass_and_exit_zero() {
    let run = xtask(&[
        "scenario",
        &scenario("phase-a0.yaml"),
        &scenario("phase-a1.yaml"),
        "--profile",
        "linux-aarch64",
        "--replay",
        &transcripts(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.report();
    assert_eq!(r["counts"]["failed"], 0);
    assert_eq!(r["counts"]["passed"], 11);
    // The boot marker timeline comes through from the recording.
    let boot = &run.test("boot-markers")["boots"][0];
    let markers: Vec<&str> =
        boot["markers"].as_array().unwrap().iter().map(|m| m["marker"].as_str().unwrap()).collect();
    assert_eq!(markers, ["Linux version", "Run /init as init process", "xtask-init: ready"]);
    assert!(boot["markers"].as_array().unwrap().iter().all(|m| m["at"].as_f64().is_some()));
}

#[test]
fn echo_and_kernel_noise_do_not_confuse_matching() {
    let run =
        xtask(&["scenario", &scenario("pitfalls.yaml"), "--profile", "linux-aarch64", "--replay", &transcripts()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let noise = run.test("kmsg-noise");
    // The raw output keeps the kernel line the check ignored.
    let step = &noise["steps"][3];
    assert!(step["output"].as_str().unwrap().contains("xtask-noise-2"), "{step}");
}

#[test]
fn a_failed_check_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixtures().join("scenarios/phase-a1.yaml"))
        .unwrap()
        .replace("output: \"2\"", "output: \"3\"");
    let path = dir.path().join("phase-a1.yaml");
    std::fs::write(&path, text).unwrap();
    let run = xtask(&[
        "scenario",
        path.to_str().unwrap(),
        "--profile",
        "linux-aarch64",
        "--replay",
        &transcripts(),
        "--test",
        "pipes",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let t = run.test("pipes");
    assert_eq!(t["status"], "failed");
    assert!(t["message"].as_str().unwrap().contains(r#"output "2" (expected exactly "3")"#), "{t}");
}

#[test]
fn an_unexpected_panic_fails_at_once_with_its_text() {
    let run = xtask(&[
        "scenario",
        &scenario("panic-unexpected.yaml"),
        "--profile",
        "linux-aarch64",
        "--replay",
        &transcripts(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let t = run.test("panic-fails-fast");
    let message = t["message"].as_str().unwrap();
    assert!(message.contains("kernel panic: "), "fails as a panic, not a timeout: {message}");
    assert!(message.contains("sysrq triggered crash"), "{message}");
    let panic = t["boots"][0]["panic"].as_str().unwrap();
    assert!(panic.lines().count() > 10, "the panic comes with the lines around it: {panic}");
}

/// Recorded from AAVMF with a disk that holds no ESP: the firmware fails to
/// load it, then starts the UEFI shell (which would count down 5 s and sit at
/// `Shell>` forever). The boot fails at the first line, not the boot timeout.
#[test]
fn a_firmware_that_finds_no_loader_fails_the_boot_at_once_with_its_text() {
    let run = xtask(&["scenario", "boot-report", "--profile", "linux-aarch64-uefi", "--replay", &transcripts()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let t = run.test("boot-report-holds");
    let message = t["message"].as_str().unwrap();
    assert!(
        message.contains(r#"boot failed: BdsDxe: failed to load Boot0001 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x1,0x0): Not Found"#),
        "{message}"
    );
    let text = t["boots"][0]["panic"].as_str().unwrap();
    assert!(text.contains("UEFI firmware (version"), "with the lines before it: {text}");
    assert!(text.contains("UEFI Interactive Shell v2.2"), "and after it: {text}");
    let seconds = t["seconds"].as_f64().unwrap();
    assert!(seconds < 10.0, "failed at once on the recording's clock, not at the 60 s boot timeout: {seconds}");
}

#[test]
fn a_hang_times_out_with_triage() {
    // Cut the recording off in the middle of the boot: the guest "hangs".
    let dir = tempfile::tempdir().unwrap();
    let source = fixtures().join("transcripts/linux-aarch64/phase-a1/pipes.cast");
    let text = std::fs::read_to_string(source).unwrap();
    let cut: Vec<&str> = text.lines().take(40).collect();
    std::fs::write(dir.path().join("pipes.cast"), cut.join("\n")).unwrap();
    let run = xtask(&[
        "scenario",
        &scenario("phase-a1.yaml"),
        "--profile",
        "linux-aarch64",
        "--replay",
        dir.path().to_str().unwrap(),
        "--test",
        "pipes",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let t = run.test("pipes");
    assert!(t["message"].as_str().unwrap().contains("timed out waiting for the shell prompt"), "{t}");
    let triage = t["triage"].as_array().unwrap();
    assert!(triage.iter().any(|x| x["title"] == "console tail"), "{t}");
}

#[test]
fn bad_input_exits_two_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "phase: x\ntitle: t\ntests:\n  - name: a\n    steps:\n      - run: ls\n        colour: red\n",
    )
    .unwrap();
    let run = xtask(&["scenario", path.to_str().unwrap(), "--profile", "linux-aarch64"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("bad.yaml:7:9: tests[0].steps[0]: unknown key `colour`"), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(run.reports.path()).unwrap().count(), 0, "no report directory for bad input");

    let run = xtask(&["scenario", "phase-zz"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown scenario `phase-zz`"), "{}", run.stderr);

    let run = xtask(&["scenario", "phase-a1", "--profile", "nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown profile `nope`"), "{}", run.stderr);
}

#[test]
fn a_missing_capability_is_a_skip_with_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("needs.yaml");
    std::fs::write(
        &path,
        "phase: phase-a1\ntitle: t\ntests:\n  - name: pipes\n    requires: [smp]\n    steps:\n      - run: nproc\n",
    )
    .unwrap();
    let run = xtask(&["scenario", path.to_str().unwrap(), "--profile", "linux-aarch64", "--replay", &transcripts()]);
    assert_eq!(run.code, 0, "skips alone do not fail a run: {}", run.stderr);
    let t = run.test("pipes");
    assert_eq!(t["status"], "skipped");
    assert!(
        t["message"].as_str().unwrap_or_default().contains("lacks capability `smp`")
            || t.to_string().contains("lacks capability `smp`"),
        "{t}"
    );
}
