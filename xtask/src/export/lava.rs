//! LAVA job definitions for a scenario on a profile: what a board farm (or a
//! LAVA QEMU worker) needs to run our scenarios with its own scheduler.
//! Pure: profile + scenario + image URLs in, a job (as a YAML value) out.
//!
//! Mapping:
//! - deploy `to: tmpfs` with the profile's kernel, initramfs and disks as
//!   images (`image_arg` says how QEMU takes each);
//! - per scenario test that LAVA can drive, a boot (`method: qemu`,
//!   `media: tmpfs`, the profile's prompt) and an `interactive` test: every
//!   test gets a fresh guest as under `cargo xtask scenario`, and QEMU runs
//!   with `-snapshot`, so disk writes end with the boot like our per-test
//!   copy-on-write views (phase-a1's `corrupt-the-guest` deletes /bin; in
//!   one shared boot every later test failed under lava-run). In the
//!   interactive test each
//!   `run` step is a command followed by our exit-status marker
//!   (`XT-STATUS-<step>:<status>`), a LAVA test case named
//!   `<test>.step<N>` that passes when the expected status shows up. Output
//!   checks (`expect`, `output`, `capture`) are not exported (see
//!   `interactive`); the job's metadata says so.
//!
//! Tests with steps LAVA cannot express (reboots, power cuts, raw input,
//! host-side checks, fixtures, METRIC checks) are left out and listed in the
//! job's `metadata`, so nothing is silently dropped.

use serde_json::{json, Value};

use crate::config::{Arch, Profile, Scenario, StatusCheck, StepKind, Test};

/// Where the dispatcher downloads an image from, and its sha256 when known
/// (LAVA checks it after the download).
pub struct Image {
    pub url: String,
    pub sha256: Option<String>,
}

pub struct Images {
    pub kernel: Image,
    pub ramdisk: Option<Image>,
    /// (disk name, image)
    pub disks: Vec<(String, Image)>,
}

fn image(arg: String, image: &Image) -> Value {
    let mut v = json!({ "image_arg": arg, "url": image.url });
    if let Some(sha) = &image.sha256 {
        v["sha256sum"] = json!(sha);
    }
    v
}

/// The marker a step's command prints with its exit status.
fn status_marker(step: usize) -> String {
    format!("XT-STATUS-{step}:")
}

fn minutes(d: std::time::Duration) -> Value {
    json!({ "minutes": d.as_secs().div_ceil(60).max(1) })
}

/// LAVA names: `^[-_a-zA-Z0-9.]+$`.
fn lava_name(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' }).collect()
}

/// Why a test cannot run under LAVA as written, if it cannot.
pub fn unsupported(test: &Test) -> Option<String> {
    let f = &test.fixtures;
    if f.http.is_some() || f.dns.is_some() || f.echo || f.hostile.is_some() {
        return Some("host-side fixtures".into());
    }
    for step in &test.steps {
        let kind = match &step.kind {
            StepKind::Boot | StepKind::Run(_) | StepKind::Prompt | StepKind::Wait { .. } => continue,
            StepKind::Poweroff { .. } => "poweroff",
            StepKind::PowerCut => "power_cut",
            StepKind::Reboot => "reboot",
            StepKind::Send { .. } => "send",
            StepKind::Expect { .. } => "a bare expect",
            StepKind::Quiet { .. } => "quiet",
            StepKind::ExpectPanic { .. } => "expect_panic",
            StepKind::Metric(_) => "metric",
            StepKind::Fsck { .. }
            | StepKind::DiskFile(_)
            | StepKind::Contract(_)
            | StepKind::CrashSweep(_)
            | StepKind::HostExchange(_)
            | StepKind::HostileTraffic { .. } => "a host-side check",
        };
        return Some(format!("step `{}` ({kind})", step.label));
    }
    let later_boots = test.steps.iter().skip(1).any(|s| matches!(s.kind, StepKind::Boot));
    later_boots.then(|| "more than one boot".to_string())
}

fn interactive(profile: &Profile, test: &Test) -> Value {
    let prompt = profile.console.prompt.as_str().to_string();
    let mut script = Vec::new();
    for (index, step) in test.steps.iter().enumerate() {
        let StepKind::Run(check) = &step.kind else { continue };
        let marker = status_marker(index);
        let expected = match check.status {
            StatusCheck::Exactly(n) => n.to_string(),
            StatusCheck::NonZero => "[1-9][0-9]*".into(),
            StatusCheck::Any => "[0-9]+".into(),
        };
        // Only the exit status: LAVA's `successes` are any-of patterns that
        // end the wait at the first match (and could match the echoed
        // command), so our `expect`/`output` checks cannot be kept faithfully.
        let successes = vec![json!({ "message": format!("{marker}{expected}") })];
        let mut command = json!({
            "command": format!("{}; echo \"{marker}$?\"", check.command),
            "name": lava_name(&format!("{}.step{index}", test.name)),
            "successes": successes,
        });
        if matches!(check.status, StatusCheck::Exactly(0)) {
            command["failures"] =
                json!([{ "message": format!("{marker}[1-9][0-9]*"), "error": "non-zero exit status" }]);
        }
        script.push(command);
    }
    json!({ "name": lava_name(&test.name), "prompts": [prompt], "script": script })
}

/// One LAVA job: deploy, then a boot and a test per exportable test.
pub fn job(profile: &Profile, scenario: &Scenario, images: &Images, commit: Option<&str>) -> Value {
    let q = &profile.qemu;
    let arch = match profile.arch {
        Arch::Aarch64 => "arm64",
        Arch::X86_64 => "amd64",
    };
    let mut extra: Vec<String> = vec![format!("-smp {}", q.smp), "-nographic".into(), "-snapshot".into()];
    if !profile.cmdline.is_empty() {
        extra.push(format!("-append '{}'", profile.cmdline));
    }
    let mut image_map = serde_json::Map::new();
    image_map.insert("kernel".into(), image("-kernel {kernel}".into(), &images.kernel));
    if let Some(ramdisk) = &images.ramdisk {
        image_map.insert("ramdisk".into(), image("-initrd {ramdisk}".into(), ramdisk));
    }
    for (name, disk) in &images.disks {
        let key = lava_name(name).replace(['-', '.'], "_");
        image_map.insert(key.clone(), image(format!("-drive format=raw,if=virtio,file={{{key}}}"), disk));
    }
    let boot = json!({ "boot": {
        "method": "qemu",
        "media": "tmpfs",
        "timeout": minutes(profile.timeouts.boot),
        "prompts": [profile.console.prompt.as_str()],
    } });
    let mut actions = vec![json!({ "deploy": { "to": "tmpfs", "timeout": { "minutes": 10 }, "images": image_map } })];
    let mut left_out = Vec::new();
    let mut longest = std::time::Duration::ZERO;
    for test in &scenario.tests {
        match unsupported(test) {
            Some(why) => left_out.push(format!("{}: {why}", test.name)),
            None => {
                let timeout = test.timeout.unwrap_or(profile.timeouts.test).min(profile.timeouts.test);
                longest += profile.timeouts.boot + timeout;
                actions.push(boot.clone());
                actions.push(
                    json!({ "test": { "timeout": minutes(timeout), "interactive": [interactive(profile, test)] } }),
                );
            }
        }
    }
    if actions.len() == 1 {
        // Nothing to test: the job still boots, as before.
        longest = profile.timeouts.boot;
        actions.push(boot);
    }
    let mut metadata = serde_json::Map::new();
    metadata.insert("xtask.profile".into(), json!(profile.name));
    metadata.insert("xtask.phase".into(), json!(scenario.phase));
    if let Some(c) = commit {
        metadata.insert("xtask.commit".into(), json!(c));
    }
    metadata.insert("xtask.checks".into(), json!("exit statuses of run steps; output checks are not exported"));
    if !left_out.is_empty() {
        metadata.insert("xtask.not_exported".into(), json!(left_out.join("; ")));
    }
    let mut context = json!({ "arch": arch, "machine": q.machine, "memory": q.memory_mib, "extra_options": extra });
    if let Some(cpu) = &q.cpu {
        context["cpu"] = json!(cpu);
    }
    json!({
        "device_type": "qemu",
        "job_name": format!("xtask {} on {}", scenario.phase, profile.name),
        "timeouts": {
            "job": minutes(longest + std::time::Duration::from_secs(600)),
            "action": minutes(profile.timeouts.test),
            "connection": { "minutes": 2 },
        },
        "priority": "medium",
        "visibility": "public",
        "context": context,
        "metadata": metadata,
        "actions": actions,
    })
}
