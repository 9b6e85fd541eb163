//! `cargo xtask export lava`: the jobs it writes pass LAVA's own job schema
//! (Debian's `lava-common`, run with the system interpreter as LAVA does).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const VALIDATE: &str = r#"
import sys, yaml
from lava_common.schemas import validate
for path in sys.argv[1:]:
    validate(yaml.safe_load(open(path)), strict=True)
    print("valid", path)
"#;

#[test]
fn lava_jobs_pass_lavas_schema() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["export", "lava", "--profile", "linux-aarch64", "--scenario", "phase-a1", "--scenario", "phase-b"])
        .args(["--image-url", "https://lab.example/{profile}/{image}", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let jobs: Vec<_> = ["linux-aarch64-phase-a1.yaml", "linux-aarch64-phase-b.yaml"].map(|f| out.path().join(f)).into();
    let text = std::fs::read_to_string(&jobs[0]).unwrap();
    assert!(
        text.contains("method: qemu") && text.contains("name: pipes.step1") && text.contains("XT-STATUS-1:0"),
        "{text}"
    );
    // Steps LAVA cannot drive are named, not dropped silently.
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("not exported: poweroff"), "{stdout}");

    let python = Path::new("/usr/bin/python3");
    let check = Command::new(python).arg("-c").arg(VALIDATE).args(&jobs).output().unwrap();
    assert!(
        check.status.success(),
        "LAVA's schema (apt install lava-common) rejects the jobs:\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// A `boot: uefi` profile cannot be expressed as a LAVA QEMU job here: a
/// clear refusal (bad input), nothing written.
#[test]
fn a_uefi_profile_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["export", "lava", "--profile", "linux-aarch64-uefi", "--scenario", "phase-a1"])
        .args(["--image-url", "https://lab.example/{profile}/{image}", "--out"])
        .arg(out.path().join("jobs"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("profile `linux-aarch64-uefi` boots through UEFI firmware"), "{stderr}");
    assert!(!out.path().join("jobs").exists());
}

/// LAVA's own dispatcher runs an exported job against QEMU here and judges
/// every test as `cargo xtask scenario` does (the export checks exit
/// statuses; on the Linux reference every test passes both ways).
///
/// Needs `LAVA_RUN`: the `lava-run` of Debian's lava-dispatcher (installed,
/// or unpacked with `apt-get download lava-dispatcher` + `dpkg-deb -x`, its
/// `usr/lib/python3/dist-packages` on `PYTHONPATH`), run as root: it writes
/// under /var/lib/lava/dispatcher/tmp as a LAVA worker does. The device is
/// `fixtures/lava/qemu-xtask-01.yaml`, the device dictionary a lab would
/// add, rendered for these jobs. Skips, saying so, without `LAVA_RUN`.
#[test]
fn e2e_lava_run_gives_the_scenario_results() {
    let Some(lava_run) = std::env::var_os("LAVA_RUN") else {
        eprintln!("skipped: set LAVA_RUN to Debian's lava-run (lava-dispatcher) to run an exported job under LAVA");
        return;
    };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lava");
    let work = tempfile::tempdir().unwrap();
    let jobs = work.path().join("jobs");
    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["export", "lava", "--profile", "linux-aarch64", "--scenario", "phase-a1", "--out"])
        .arg(&jobs)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let job_file = jobs.join("linux-aarch64-phase-a1.yaml");

    // The device was rendered for this job's context: a changed profile
    // (memory, cmdline, ...) needs a new rendering (fixtures/lava/render.py).
    let job: serde_norway::Value = serde_norway::from_str(&std::fs::read_to_string(&job_file).unwrap()).unwrap();
    let device_file = fixtures.join("qemu-xtask-01.yaml");
    let device: serde_norway::Value = serde_norway::from_str(&std::fs::read_to_string(&device_file).unwrap()).unwrap();
    let qemu = &device["actions"]["boot"]["methods"]["qemu"]["parameters"];
    let context = &job["context"];
    assert_eq!(qemu["extra"], context["extra_options"], "re-render {} for the job's context", device_file.display());
    let options: Vec<&str> = qemu["options"].as_sequence().unwrap().iter().filter_map(|o| o.as_str()).collect();
    for (flag, key) in [("-m", "memory"), ("-cpu", "cpu"), ("-machine", "machine")] {
        let value = match &context[key] {
            serde_norway::Value::Number(n) => n.to_string(),
            v => v.as_str().unwrap().to_string(),
        };
        assert!(options.contains(&format!("{flag} {value}").as_str()), "{options:?} lacks {flag} {value}");
    }

    // lava-dispatcher imports python3-guestfs at start-up; a stand-in does
    // when it is not installed (the job uses no guestfs deploy).
    let mut python_path = std::env::var_os("PYTHONPATH").unwrap_or_default();
    let has_guestfs = Command::new("/usr/bin/python3")
        .args(["-c", "import guestfs"])
        .env("PYTHONPATH", &python_path)
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_guestfs {
        let mut paths: Vec<_> = std::env::split_paths(&python_path).collect();
        paths.push(fixtures.clone());
        python_path = std::env::join_paths(paths).unwrap();
    }
    let job_id = format!("xtask-{}", std::process::id());
    let lava = Command::new(&lava_run)
        .args(["--job-id", &job_id, "--output-dir"])
        .arg(work.path().join("lava-out"))
        .arg("--device")
        .arg(&device_file)
        .arg(&job_file)
        .env("PYTHONPATH", &python_path)
        .output()
        .unwrap();
    // lava-run logs one JSON object per line, on stderr.
    let log = String::from_utf8_lossy(&lava.stderr);
    let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    assert!(lava.status.success(), "lava-run failed:\n{tail}\n{}", String::from_utf8_lossy(&lava.stdout));

    // LAVA's results: one `0_<test>` case per scenario test, one
    // `<test>.stepN` case per exported step, and the job's.
    let mut lava_tests = BTreeMap::new();
    let mut lava_steps = BTreeMap::new();
    let mut job_result = None;
    for line in log.lines() {
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if entry["lvl"] != "results" {
            continue;
        }
        let msg = &entry["msg"];
        let (case, result) = (msg["case"].as_str().unwrap(), msg["result"].as_str().unwrap() == "pass");
        if msg["definition"] != "lava" {
            lava_steps.insert(case.to_string(), result);
        } else if case == "job" {
            job_result = Some(result);
        } else if let Some(test) = case.strip_prefix("0_") {
            lava_tests.insert(test.to_string(), result);
        }
    }
    assert_eq!(job_result, Some(true), "{tail}");

    // The same scenario under `cargo xtask scenario`: every step's exit status.
    let reports = work.path().join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["scenario", "phase-a1", "--profile", "linux-aarch64", "--json"])
        .env("XTASK_REPORTS_DIR", &reports)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints report.json");
    let mut passed = BTreeMap::new();
    let mut exit_statuses = BTreeMap::new();
    for suite in report["suites"].as_array().unwrap() {
        for test in suite["tests"].as_array().unwrap() {
            let name = test["name"].as_str().unwrap();
            passed.insert(name.to_string(), test["status"] == "passed");
            for step in test["steps"].as_array().unwrap() {
                if let Some(status) = step["exit_status"].as_i64() {
                    exit_statuses.insert(format!("{name}.step{}", step["index"]), status);
                }
            }
        }
    }

    // Both engines judge by the same rule, the job's exit-status markers:
    // each LAVA step case passes exactly when the exit status xtask saw
    // matches the step's success pattern. A test xtask passed has every
    // step case passed under LAVA (xtask also checks
    // output, which the export leaves out: on a loaded machine a timing
    // check can fail there alone, which is not a difference of the engines).
    let mut compared = 0;
    for action in job["actions"].as_sequence().unwrap() {
        for test in action["test"]["interactive"].as_sequence().into_iter().flatten() {
            let name = test["name"].as_str().unwrap();
            let mut all = true;
            for step in test["script"].as_sequence().unwrap() {
                let case = step["name"].as_str().unwrap();
                let marker = step["successes"][0]["message"].as_str().unwrap();
                let status = exit_statuses.get(case).unwrap_or_else(|| panic!("xtask ran no step {case}"));
                let (prefix, _) = marker.split_once(':').unwrap();
                let by_status =
                    regex::Regex::new(&format!("^(?:{marker})$")).unwrap().is_match(&format!("{prefix}:{status}"));
                assert_eq!(lava_steps.get(case), Some(&by_status), "{case}: exit status {status} under xtask");
                all &= by_status;
                compared += 1;
            }
            // LAVA's `0_<test>` case only says the test ran to its end (it
            // passes with failed steps): the verdict is its step cases'.
            assert!(lava_tests.contains_key(name), "LAVA did not run {name}");
            if passed[name] {
                assert!(all, "{name} passed under xtask, failed under LAVA");
            }
        }
    }
    assert!(lava_tests.len() > 10 && compared > lava_tests.len(), "{lava_tests:?}");

    // Tests the export could not express at all (phase-a1's `poweroff`:
    // LAVA powers the device off itself) are named in the job's metadata.
    let not_exported = job["metadata"]["xtask.not_exported"].as_str().unwrap_or_default();
    for name in passed.keys().filter(|name| !lava_tests.contains_key(*name)) {
        assert!(not_exported.contains(&format!("{name}:")), "{name} is neither exported nor named as not exported");
    }
}
