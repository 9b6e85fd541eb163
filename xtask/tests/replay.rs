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
    // A run in which every test was skipped tested nothing: exit 4 (nextest's NO_TESTS_RUN).
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "no test ran: the only selected test was skipped (profile `linux-aarch64` lacks capability `smp`)"
        ),
        "{}",
        run.stderr
    );
    let t = run.test("pipes");
    assert_eq!(t["status"], "skipped");
    assert!(
        t["message"].as_str().unwrap_or_default().contains("lacks capability `smp`")
            || t.to_string().contains("lacks capability `smp`"),
        "{t}"
    );
}

/// `profile/phase/test` → (status, message) of a report.json.
fn outcomes(report: &Value) -> std::collections::BTreeMap<String, (String, String)> {
    let mut out = std::collections::BTreeMap::new();
    for s in report["suites"].as_array().unwrap() {
        for t in s["tests"].as_array().unwrap() {
            let key = format!(
                "{}/{}/{}",
                s["profile"].as_str().unwrap(),
                s["phase"].as_str().unwrap(),
                t["name"].as_str().unwrap()
            );
            let message = t["message"].as_str().unwrap_or_default().to_string();
            out.insert(key, (t["status"].as_str().unwrap().to_string(), message));
        }
    }
    out
}

#[test]
fn two_shards_merged_equal_the_whole_run() {
    // Two profiles replaying the same Linux recordings.
    let source = tempfile::tempdir().unwrap();
    for profile in ["linux-aarch64", "linux-aarch64-smp2"] {
        std::os::unix::fs::symlink(fixtures().join("transcripts/linux-aarch64"), source.path().join(profile)).unwrap();
    }
    let source = source.path().display().to_string();
    let a0 = scenario("phase-a0.yaml");
    let base = ["scenario", &a0, "--profile", "linux-aarch64", "--profile", "linux-aarch64-smp2", "--replay", &source];
    let whole = xtask(&base);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let expected = outcomes(&whole.report());
    assert_eq!(expected.len(), 8, "{expected:?}");

    let shards: Vec<Run> = ["count:1/2", "count:2/2"]
        .iter()
        .map(|p| xtask(&[&base[..], &["--partition", p, "--no-tests", "warn"]].concat()))
        .collect();
    let mut dirs = Vec::new();
    for (shard, run) in shards.iter().enumerate() {
        assert_eq!(run.code, 0, "shard {}: {}", shard + 1, run.stderr);
        let ran = outcomes(&run.report());
        assert!(!ran.is_empty() && ran.len() < expected.len(), "shard {} ran {} tests", shard + 1, ran.len());
        dirs.push(std::fs::canonicalize(run.reports.path().join("latest")).unwrap());
    }
    let out = tempfile::tempdir().unwrap();
    let merged_dir = out.path().join("merged");
    let merged = xtask(&[
        "merge-reports",
        dirs[0].to_str().unwrap(),
        dirs[1].to_str().unwrap(),
        "--out",
        merged_dir.to_str().unwrap(),
    ]);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(merged_dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(outcomes(&report), expected, "same tests, same outcomes");
    // Every test says which shard ran it; both shards contributed.
    let shards: std::collections::BTreeSet<&str> = report["suites"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["tests"].as_array().unwrap())
        .map(|t| t["shard"].as_str().expect("each merged test names its shard"))
        .collect();
    assert_eq!(shards.into_iter().collect::<Vec<_>>(), ["count:1/2", "count:2/2"]);
    let html = std::fs::read_to_string(merged_dir.join("index.html")).unwrap();
    assert!(html.contains("Merged from") && html.contains("shard count:2&#x2f;2"), "{html}");
    // Transcripts came along: the merged report's links work.
    assert!(merged_dir.join("linux-aarch64-smp2/phase-a0").read_dir().unwrap().next().is_some());

    // Merging a shard twice, or only one shard, is refused or reported.
    let twice = xtask(&[
        "merge-reports",
        dirs[0].to_str().unwrap(),
        dirs[0].to_str().unwrap(),
        "--out",
        out.path().join("m2").to_str().unwrap(),
    ]);
    assert_eq!(twice.code, 2, "{}", twice.stderr);
    assert!(twice.stderr.contains("more than one run"), "{}", twice.stderr);
    let alone = xtask(&["merge-reports", dirs[0].to_str().unwrap(), "--out", out.path().join("m3").to_str().unwrap()]);
    assert_eq!(alone.code, 1, "{}", alone.stderr);
    assert!(alone.stderr.contains("shard count:2/2"), "{}", alone.stderr);
}

#[test]
fn nothing_ran_exits_four_unless_told_otherwise() {
    let a1 = scenario("phase-a1.yaml");
    let run = xtask(&[
        "scenario",
        &a1,
        "--profile",
        "linux-aarch64",
        "--replay",
        &transcripts(),
        "--partition",
        "count:3/3",
        "--test",
        "pipes",
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("no test ran: no test was selected in shard count:3/3"), "{}", run.stderr);
    let warn = xtask(&[
        "scenario",
        &a1,
        "--profile",
        "linux-aarch64",
        "--replay",
        &transcripts(),
        "--partition",
        "count:3/3",
        "--test",
        "pipes",
        "--no-tests",
        "warn",
    ]);
    assert_eq!(warn.code, 0, "{}", warn.stderr);
    assert!(warn.stderr.contains("warning: no test ran"), "{}", warn.stderr);
}

#[test]
fn a_timed_out_run_step_shows_what_it_printed() {
    // Cut the recording after `seq 1 1000 | grep -c 7` printed 271 but
    // before its end marker: the step times out with its output kept.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixtures().join("transcripts/linux-aarch64/phase-a1/pipes.cast")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let begin = lines.iter().position(|l| l.contains("eval 'seq 1 1000")).unwrap();
    let printed =
        begin + lines[begin..].iter().position(|l| l.contains(r#""o","1"]"#) && l.starts_with("[5.12")).unwrap();
    std::fs::write(dir.path().join("pipes.cast"), lines[..=printed + 2].join("\n")).unwrap();
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
    let step = &run.test("pipes")["steps"][2];
    assert_eq!(step["status"], "failed", "{step}");
    assert!(step["message"].as_str().unwrap().contains("timed out"), "{step}");
    assert!(step["output"].as_str().unwrap_or_default().contains("271"), "{step}");
}

#[test]
fn a_replay_source_that_is_no_transcript_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    std::fs::write(&json, "{\"schema_version\": 1}\n").unwrap();
    let binary = dir.path().join("image.bin");
    std::fs::write(&binary, [0u8, 1, 2, 3, 0, 0, 0, 5].repeat(64)).unwrap();
    for source in [&json, &binary] {
        let run = xtask(&[
            "scenario",
            &scenario("phase-a1.yaml"),
            "--profile",
            "linux-aarch64",
            "--replay",
            source.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(run.stderr.matches("error:").count(), 1, "one message: {}", run.stderr);
        assert!(run.stderr.contains(source.file_name().unwrap().to_str().unwrap()), "{}", run.stderr);
    }
}

#[test]
fn a_raw_serial_log_replays() {
    // The console text of a recording, without asciicast framing, as
    // QEMU's `-serial file:` or another harness would have written it.
    let cast = std::fs::read_to_string(fixtures().join("transcripts/linux-aarch64/phase-a1/pipes.cast")).unwrap();
    let mut text = String::new();
    for line in cast.lines().skip(1) {
        let (_, code, data): (f64, String, String) = serde_json::from_str(line).unwrap();
        if code == "o" {
            text.push_str(&data);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serial.log");
    std::fs::write(&log, text).unwrap();
    let run = xtask(&[
        "scenario",
        &scenario("phase-a1.yaml"),
        "--profile",
        "linux-aarch64",
        "--replay",
        log.to_str().unwrap(),
        "--test",
        "pipes",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.test("pipes")["status"], "passed");
}
