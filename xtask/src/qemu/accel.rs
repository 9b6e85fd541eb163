//! Choosing the accelerator. `auto` picks KVM only after a probe boot proves
//! it works: on some hosts `/dev/kvm` exists but guests hang under it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use super::cmdline::{command_line, BootFiles};
use super::process::LiveGuest;
use crate::config::{Accel, Arch, Profile};
use crate::console::guest::{Guest, Recv};

/// How long a KVM probe boot may take to print its first boot marker.
const PROBE_DEADLINE: Duration = Duration::from_secs(10);

static DECIDED: Mutex<Option<HashMap<String, (Accel, String)>>> = Mutex::new(None);

fn host_arch() -> Option<Arch> {
    match std::env::consts::ARCH {
        "x86_64" => Some(Arch::X86_64),
        "aarch64" => Some(Arch::Aarch64),
        _ => None,
    }
}

/// The accelerator to use and why. Decided once per (profile, kernel) per run.
pub fn decide(profile: &Profile, files: &BootFiles, scratch: &Path) -> (Accel, String) {
    match profile.qemu.accel {
        Accel::Tcg => return (Accel::Tcg, "profile asks for tcg".into()),
        Accel::Kvm => return (Accel::Kvm, "profile asks for kvm".into()),
        Accel::Auto => {}
    }
    if host_arch() != Some(profile.arch) {
        return (Accel::Tcg, format!("auto: host is {}, guest is {}", std::env::consts::ARCH, profile.arch.name()));
    }
    let kvm_usable = std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm").is_ok();
    if !kvm_usable {
        return (Accel::Tcg, "auto: /dev/kvm is missing or not accessible".into());
    }
    let key = format!("{}|{}", profile.name, files.kernel.display());
    if let Some(hit) = DECIDED.lock().ok().and_then(|d| d.as_ref().and_then(|m| m.get(&key).cloned())) {
        return hit;
    }
    let result = probe(profile, files, scratch);
    if let Ok(mut d) = DECIDED.lock() {
        d.get_or_insert_with(HashMap::new).insert(key, result.clone());
    }
    result
}

/// Boots with KVM and waits for the profile's first boot marker (or any
/// output when it declares none).
fn probe(profile: &Profile, files: &BootFiles, scratch: &Path) -> (Accel, String) {
    // A UEFI guest needs a variable store of its own even to start the firmware
    // (whose banner or boot manager line is then the first marker).
    let vars = profile
        .uefi()
        .and_then(|u| super::disks::overlay(&u.vars, "raw", &scratch.join("kvm-probe-efivars.qcow2")).ok());
    let probe_files =
        BootFiles { disks: Vec::new(), qmp: None, forwards: Vec::new(), dgram: None, vars, ..files.clone() };
    let args = command_line(profile, Accel::Kvm, &probe_files);
    let stderr = scratch.join("kvm-probe.stderr");
    let Ok(mut guest) = LiveGuest::spawn(&args, &stderr, None) else {
        return (Accel::Tcg, "auto: KVM probe could not start QEMU".into());
    };
    let want = profile.boot_markers.first().cloned();
    let mut seen = String::new();
    while guest.now() < PROBE_DEADLINE.as_secs_f64() {
        match guest.recv(Duration::from_millis(200)) {
            Recv::Output(b) => {
                seen.push_str(&String::from_utf8_lossy(&b));
                let ok = match &want {
                    Some(m) => seen.contains(m.as_str()),
                    None => !seen.trim().is_empty(),
                };
                if ok {
                    guest.kill();
                    return (
                        Accel::Kvm,
                        format!("auto: KVM probe boot printed its first marker in {:.1}s", guest.now()),
                    );
                }
            }
            Recv::Exited(status) => {
                let said = std::fs::read_to_string(&stderr).unwrap_or_default();
                let last = said.lines().last().unwrap_or("no message").trim().to_string();
                return (Accel::Tcg, format!("auto: KVM probe QEMU exited ({status:?}) before a boot marker: {last}"));
            }
            Recv::Timeout => {}
        }
    }
    guest.kill();
    (
        Accel::Tcg,
        format!("auto: KVM probe boot showed no boot marker within {}s (KVM hangs here)", PROBE_DEADLINE.as_secs()),
    )
}
