//! The human side of a bundle: `run-<profile>.sh` (stock QEMU, no cargo, no
//! xtask; the exact command line) and `RUNBOOK.md` for a validator who has
//! only the bundle and QEMU. Both are pure text builders.

use std::fmt::Write;

use super::contract::{Contract, Expected};
use crate::artifacts::Artifacts;
use crate::config::{Accel, Profile, Scenario, StepKind};
use crate::qemu::cmdline::{self, BootFiles};

const WORK: &str = "@WORK@";

/// The QEMU command line a bundle's run script uses: bundle-relative images,
/// disks as overlays in the script's scratch directory, the console on the
/// terminal with QEMU's multiplexer (Ctrl-A x quits).
pub fn command_line(profile: &Profile, images: &Artifacts) -> Vec<String> {
    let files = BootFiles {
        kernel: images.kernel.clone(),
        initrd: images.initrd.clone(),
        disks: images.disks.iter().map(|d| format!("{WORK}/{}.qcow2", d.name).into()).collect(),
        incoming: None,
        qmp: None,
        forwards: Vec::new(),
        dgram: None,
        vars: None,
    };
    let accel = if profile.qemu.accel == Accel::Kvm { Accel::Kvm } else { Accel::Tcg };
    let mut args = cmdline::command_line(profile, accel, &files);
    if let Some(i) = args.iter().position(|a| a == "stdio,id=con0,signal=off") {
        args[i] = "stdio,id=con0,mux=on,signal=off".into();
        args.extend(["-mon".to_string(), "chardev=con0,mode=readline".to_string()]);
    }
    args
}

pub fn run_script(profile: &Profile, images: &Artifacts) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "#!/bin/sh");
    let _ =
        writeln!(s, "# Boots profile `{}` ({}) from this bundle with stock QEMU.", profile.name, profile.description);
    let _ = writeln!(s, "# No cargo, no xtask. The console is this terminal: Ctrl-A x quits QEMU.");
    let _ = writeln!(s, "# The bundle's images are never written: disks get copy-on-write overlays");
    let _ = writeln!(s, "# in a temporary directory, removed on exit. To keep a serial log:");
    let _ = writeln!(s, "#   ./run-{}.sh | tee serial-{}.log", profile.name, profile.name);
    let _ = writeln!(s, "set -eu");
    let _ = writeln!(s, "cd \"$(dirname \"$0\")\"");
    if !images.disks.is_empty() {
        let _ = writeln!(s, "work=$(mktemp -d)");
        let _ = writeln!(s, "trap 'rm -rf \"$work\"' EXIT INT TERM");
        for d in &images.disks {
            let _ = writeln!(
                s,
                "qemu-img create -q -f qcow2 -F raw -b \"$PWD/{}\" \"$work/{}.qcow2\"",
                d.path.display(),
                d.name
            );
        }
    }
    let line = cmdline::render(&command_line(profile, images)).replace(WORK, "\"$work\"");
    let _ = writeln!(s, "{line}");
    s
}

pub fn runbook(contract: &Contract, profiles: &[Profile], scenarios: &[Scenario], commit: &str, dirty: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Runbook: validating this bundle\n");
    let _ = writeln!(
        s,
        "Built from commit `{commit}`{}. Bundle id `{}` (also in `BUNDLE-ID`).\n",
        if dirty { " with uncommitted changes (--allow-dirty)" } else { "" },
        contract.bundle_id
    );
    s.push_str(
        "You need QEMU (`qemu-system-*`, `qemu-img`) and a POSIX shell. Nothing here needs the\n\
         network, cargo or the source tree.\n\n\
         ## 1. Check what you received\n\n\
         ```sh\n\
         sha256sum -c SHA256SUMS                          # every file is what was built\n\
         minisign -Vm SHA256SUMS -p RELEASE-KEY.pub       # the sums are signed (key from the release engineer, not from this bundle)\n\
         minisign -Vm provenance.intoto.json -p RELEASE-KEY.pub\n\
         ```\n\n\
         A bundle without `SHA256SUMS.minisig` is unsigned (it then has a file `UNSIGNED`).\n\
         `sbom.cdx.json` (CycloneDX 1.5) lists every component; `provenance.intoto.json` is an\n\
         in-toto v1 statement with SLSA provenance whose subjects are the images below.\n\n\
         ## 2. Boot each image\n\n",
    );
    for p in &contract.profiles {
        let _ = writeln!(s, "### `{}`\n", p.name);
        let _ = writeln!(s, "```sh\n./run-{0}.sh | tee serial-{0}.log\n```\n", p.name);
        let _ = writeln!(s, "Images:\n");
        for (path, sum) in &p.images {
            let _ = writeln!(s, "- `{path}` sha256 `{sum}`");
        }
        let _ = writeln!(s, "\nThe serial console must show these boot markers, in this order:\n");
        for (i, m) in p.boot_markers.iter().enumerate() {
            let _ = writeln!(s, "{}. `{m}`", i + 1);
        }
        if let Some(profile) = profiles.iter().find(|x| x.name == p.name) {
            let _ = writeln!(
                s,
                "\nthen a shell prompt (pattern `{}`). Quit with Ctrl-A x.\n",
                profile.console.prompt.as_str()
            );
        }
    }
    s.push_str("## 3. What to run\n\n");
    s.push_str(
        "The acceptance contract is `contract/contract.json`; the scenario files it names are in\n\
         `contract/scenarios/` (each step's exact command and expected output). Per profile and\n\
         phase, every test with the status it must have:\n\n",
    );
    for p in &contract.profiles {
        for ph in &p.phases {
            let _ = writeln!(s, "### {} on `{}` ({})\n", ph.phase, p.name, ph.title);
            let scenario = scenarios.iter().find(|x| x.phase == ph.phase);
            for t in &ph.tests {
                match t.expected {
                    Expected::Passed => {
                        let _ = writeln!(s, "- `{}`: must pass", t.name);
                        let steps = scenario.and_then(|sc| sc.tests.iter().find(|x| x.name == t.name));
                        for step in steps.map(|x| x.steps.as_slice()).unwrap_or_default() {
                            if let StepKind::Run(_) | StepKind::Send { .. } | StepKind::ExpectPanic { .. } = step.kind {
                                let _ = writeln!(s, "  - {}", step.label);
                            }
                        }
                    }
                    Expected::Skipped => {
                        let _ = writeln!(
                            s,
                            "- `{}`: skipped ({})",
                            t.name,
                            t.reason.as_deref().unwrap_or("not applicable")
                        );
                    }
                }
            }
            s.push('\n');
        }
    }
    s.push_str(
        "## 4. What to send back\n\n\
         One directory holding a copy of this bundle's `BUNDLE-ID` and either\n\n\
         - `report.json` (and `junit.xml`) from `cargo xtask verify BUNDLE --boot --report-dir DIR`\n\
           or `cargo xtask scenario` on these images: boot markers and every test's status; or\n\
         - raw serial logs `serial-<profile>.log`: boot markers only (tests cannot be judged\n\
           from a log, so they count as missing).\n\n\
         The release engineer checks it with `cargo xtask verify BUNDLE --results DIR`, which\n\
         names every mismatch (missing marker, marker out of order, test failed or missing,\n\
         results for another bundle).\n",
    );
    s
}
