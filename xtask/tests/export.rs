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
