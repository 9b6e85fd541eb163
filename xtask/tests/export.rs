//! `cargo xtask export lava`: the jobs it writes pass LAVA's own job schema
//! (Debian's `lava-common`, run with the system interpreter as LAVA does).

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

    // LAVA's results: one `0_<test>` case per scenario test, and the job's.
    let mut lava_results = std::collections::BTreeMap::new();
    let mut job_result = None;
    for line in log.lines() {
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if entry["lvl"] != "results" || entry["msg"]["definition"] != "lava" {
            continue;
        }
        let (case, result) = (entry["msg"]["case"].as_str().unwrap(), entry["msg"]["result"].as_str().unwrap());
        if case == "job" {
            job_result = Some(result.to_string());
        } else if let Some(test) = case.strip_prefix("0_") {
            lava_results.insert(test.to_string(), result.to_string());
        }
    }
    assert_eq!(job_result.as_deref(), Some("pass"), "{tail}");

    // The same scenario under `cargo xtask scenario`.
    let reports = work.path().join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["scenario", "phase-a1", "--profile", "linux-aarch64", "--json"])
        .env("XTASK_REPORTS_DIR", &reports)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json prints report.json");
    let mut xtask_results = std::collections::BTreeMap::new();
    for suite in report["suites"].as_array().unwrap() {
        for test in suite["tests"].as_array().unwrap() {
            let result = match test["status"].as_str().unwrap() {
                "passed" => "pass",
                "failed" => "fail",
                _ => continue, // skipped: not exported
            };
            xtask_results.insert(test["name"].as_str().unwrap().to_string(), result.to_string());
        }
    }
    // Tests the export could not express at all (phase-a1's `poweroff`:
    // LAVA powers the device off itself) are named in the job's metadata.
    let mut exported = std::collections::BTreeSet::new();
    for action in job["actions"].as_sequence().unwrap() {
        for test in action["test"]["interactive"].as_sequence().into_iter().flatten() {
            exported.insert(test["name"].as_str().unwrap().to_string());
        }
    }
    let not_exported = job["metadata"]["xtask.not_exported"].as_str().unwrap_or_default();
    xtask_results.retain(|name, _| {
        exported.contains(name) || {
            assert!(not_exported.contains(&format!("{name}:")), "{name} is neither exported nor named as not exported");
            false
        }
    });
    assert!(xtask_results.len() > 10, "{xtask_results:?}");
    assert_eq!(lava_results, xtask_results, "LAVA's per-test results (left) differ from cargo xtask scenario's");
}
