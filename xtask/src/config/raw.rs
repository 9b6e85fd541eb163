//! Raw configuration as written in YAML: every field optional, unknown keys
//! rejected. `profile.rs` and `scenario.rs` validate these into resolved types;
//! nothing else in the crate sees a raw struct.

use serde::Deserialize;

use std::path::PathBuf;

use super::profile::{Accel, Arch, BootMethod, Capability, Filesystem, PartitionTable, VirtioTransport};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    /// Name of the single parent profile whose values this one overrides.
    pub inherits: Option<String>,
    /// An abstract profile only exists to be inherited: it is checked but never booted.
    #[serde(rename = "abstract")]
    pub is_abstract: Option<bool>,
    pub description: Option<String>,
    pub arch: Option<Arch>,
    /// How the kernel starts: `direct` (QEMU loads it, the default) or
    /// `uefi` (firmware, an EFI system partition and a boot loader).
    pub boot: Option<BootMethod>,
    /// Firmware and loader of a `boot: uefi` profile.
    pub uefi: Option<RawUefi>,
    pub qemu: Option<RawQemu>,
    pub kernel: Option<RawKernel>,
    pub cmdline: Option<String>,
    pub rootfs: Option<RawRootfs>,
    pub disks: Option<Vec<RawDisk>>,
    pub network: Option<RawNetwork>,
    pub console: Option<RawConsole>,
    pub boot_markers: Option<Vec<String>>,
    pub timeouts: Option<RawTimeouts>,
    pub capabilities: Option<Vec<Capability>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQemu {
    pub binary: Option<String>,
    pub machine: Option<String>,
    pub cpu: Option<String>,
    pub smp: Option<u32>,
    /// Guest memory in MiB.
    pub memory_mib: Option<u32>,
    pub accel: Option<Accel>,
    /// Bus for virtio devices: `pci` or `mmio`.
    pub virtio_transport: Option<VirtioTransport>,
    pub firmware: Option<String>,
    pub extra_args: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUefi {
    /// Firmware code image (read-only pflash); default by arch from Debian's
    /// `qemu-efi-aarch64` or `ovmf`; relative paths are from the workspace root.
    pub code: Option<PathBuf>,
    /// Pristine variable store; each guest writes its own copy.
    pub vars: Option<PathBuf>,
    /// Exact version of Debian's `systemd-boot-efi` whose loader goes on the ESP.
    pub loader_version: Option<String>,
}

/// Where the kernel comes from: exactly one of the keys.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKernel {
    pub linux_debian: Option<RawLinuxDebian>,
    pub cargo: Option<RawCargoKernel>,
    pub prebuilt: Option<RawPrebuilt>,
    pub command: Option<RawCommandKernel>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLinuxDebian {
    /// Binary package name without architecture, e.g. `linux-image-6.1.0-56-arm64`.
    pub package: String,
    /// Exact package version, e.g. `6.1.192-2`.
    pub version: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCargoKernel {
    /// Directory of the kernel crate, relative to the workspace root.
    pub path: Option<String>,
    pub features: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrebuilt {
    pub path: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommandKernel {
    /// Shell command whose last line of standard output is the kernel image path.
    pub run: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRootfs {
    /// Extra BusyBox config lines applied on top of `rootfs/busybox.config`.
    pub busybox_config: Option<Vec<String>>,
    /// Directories copied over the skeleton, relative to the workspace root.
    pub overlays: Option<Vec<String>>,
    /// Kernel modules to carry, in load order (dependencies are added first).
    pub modules: Option<Vec<String>>,
    /// Build and install the test programs of `rootfs/tests/`.
    pub test_programs: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisk {
    pub name: String,
    pub size_mib: Option<u32>,
    /// `ext2` or `ext4`.
    pub filesystem: Option<Filesystem>,
    /// `none` (default), `mbr` or `gpt`: the filesystem is then partition 1.
    pub partition: Option<PartitionTable>,
    /// Directory whose contents seed the filesystem, relative to the workspace root.
    pub seed: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// `user` (QEMU user networking) or `none`.
    pub mode: Option<String>,
    /// Guest TCP ports reachable from the host through 127.0.0.1 forwards.
    pub forwards: Option<Vec<u16>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsole {
    /// Regex the shell prompt matches once the guest is ready for input.
    pub prompt: Option<String>,
    /// Regexes that mean the kernel panicked: the test fails at once.
    pub panic: Option<Vec<String>>,
    /// Regexes of kernel log lines removed before matching (kept in transcripts).
    pub noise: Option<Vec<String>>,
    /// Regexes of console lines that are kernel warnings once the guest is
    /// ready: each one seen during a test is reported with the test.
    pub warning: Option<Vec<String>>,
    /// Commands run once at the prompt after each boot, before any step.
    pub setup: Option<Vec<String>>,
    /// Cap on bytes kept per boot transcript, in KiB.
    pub transcript_limit_kib: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimeouts {
    pub boot: Option<String>,
    pub step: Option<String>,
    pub test: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub phase: String,
    pub title: String,
    pub description: Option<String>,
    /// Capabilities every test needs; a profile lacking one skips the tests.
    pub requires: Option<Vec<Capability>>,
    /// How tests start: `restore` (default), `boot` or `shared`.
    pub isolation: Option<String>,
    pub tests: Vec<RawTest>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    pub name: String,
    pub description: Option<String>,
    pub requires: Option<Vec<Capability>>,
    /// Whole-test deadline, overriding the profile's `timeouts.test`.
    pub timeout: Option<String>,
    /// Overrides the scenario's `isolation`.
    pub isolation: Option<String>,
    /// Host-side servers started for this test (ports become `{{http_port}}` etc.).
    pub fixtures: Option<RawFixtures>,
    pub steps: Vec<RawStep>,
}

/// One step: exactly one of the kind keys (`run`, `send`, `expect` alone,
/// `boot`, `reboot`, `poweroff`, `power_cut`, `wait`, `expect_panic`), plus modifiers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: Option<String>,
    // kinds
    pub run: Option<String>,
    pub send: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub boot: Option<serde_norway::Value>,
    #[serde(default, deserialize_with = "present")]
    pub reboot: Option<serde_norway::Value>,
    /// Empty for the default `poweroff -f`, or the command to send.
    #[serde(default, deserialize_with = "present")]
    pub poweroff: Option<serde_norway::Value>,
    #[serde(default, deserialize_with = "present")]
    pub power_cut: Option<serde_norway::Value>,
    pub wait: Option<String>,
    /// Wait for the profile's prompt (`prompt:` with no value).
    #[serde(default, deserialize_with = "present")]
    pub prompt: Option<serde_norway::Value>,
    /// Read for this long; output (or, with `expect_not`, matching output) fails.
    pub quiet: Option<String>,
    pub expect_panic: Option<String>,
    /// Host side, guest stopped: `e2fsck -fn` of this disk must be clean.
    pub fsck: Option<String>,
    /// Host side, guest stopped: a file read out of a disk image with debugfs.
    pub disk_file: Option<RawDiskFile>,
    /// Host side, guest stopped: a file the guest wrote, checked against a report contract.
    pub contract: Option<RawContractCheck>,
    /// Power cuts after k block writes, for k over a range, each checked.
    pub crash_sweep: Option<RawCrashSweep>,
    /// Host side: an HTTP GET to a guest server through a host forward.
    pub http_get: Option<RawHttpGet>,
    /// Host side: send bytes to a guest TCP server through a host forward
    /// (or, in a test with a `hostile` fixture, over the fixture's NIC), read the reply.
    pub tcp_exchange: Option<RawTcpExchange>,
    /// Host side: malformed and hostile frames through the `hostile` fixture's NIC.
    pub hostile_traffic: Option<RawHostileTraffic>,
    // modifiers
    /// With `run`: regexes the output must match. Alone: raw console regex.
    pub expect: Option<RawStrings>,
    pub expect_not: Option<RawStrings>,
    /// With `run`: the exact output, after trimming the final newline.
    pub output: Option<String>,
    /// With `run`: the expected exit status (default 0); `any` accepts every status.
    pub status: Option<serde_norway::Value>,
    pub timeout: Option<String>,
    /// Variables filled from regex groups of the output: `name: regex`.
    pub capture: Option<std::collections::BTreeMap<String, String>>,
    /// Numeric bounds on METRIC lines seen so far in the test.
    pub metric: Option<RawMetric>,
}

/// Keeps a key that is present with an empty value (`boot:`) apart from an
/// absent one: plain `Option` would read both as `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_norway::Value>, D::Error> {
    serde_norway::Value::deserialize(d).map(Some)
}

/// One string or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "serde_norway::Value")]
pub struct RawStrings(pub Result<Vec<String>, String>);

impl From<serde_norway::Value> for RawStrings {
    fn from(v: serde_norway::Value) -> Self {
        use serde_norway::Value;
        let one = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        RawStrings(match &v {
            Value::Sequence(items) => items
                .iter()
                .map(|i| one(i).ok_or_else(|| "expected a string or a list of strings".to_string()))
                .collect(),
            other => one(other).map(|s| vec![s]).ok_or_else(|| "expected a string or a list of strings".into()),
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDiskFile {
    pub disk: String,
    pub path: String,
    /// The exact contents (one trailing newline ignored).
    pub output: Option<String>,
    /// Regexes the contents must match.
    pub expect: Option<RawStrings>,
    /// The md5 digest of the contents (hex; `{{var}}` allowed).
    pub md5: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContractCheck {
    /// The disk (a `disks` entry, or `esp` of a `boot: uefi` profile).
    pub disk: String,
    /// The file inside its filesystem (FAT, ext2 or ext4; partition 1 when partitioned).
    pub path: String,
    /// The contract, relative to the workspace root.
    pub file: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCrashSweep {
    /// The disk whose write requests are counted.
    pub disk: String,
    /// Run before the workload (e.g. mount).
    pub setup: Option<String>,
    /// Writes and syncs, printing `SYNCED <token>` after each sync.
    pub workload: String,
    /// Run after the reboot; its output must contain every synced token.
    pub check: String,
    /// Cut after k write requests, k = from, from + step, ... <= to.
    pub from: u32,
    pub to: u32,
    pub step: Option<u32>,
    /// Also require `e2fsck -fn` clean after each cut (default false:
    /// ext2 is not crash-consistent for unsynced metadata).
    pub fsck: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixtures {
    pub http: Option<RawHttpFixture>,
    /// Names answered by the DNS fixture: `name: IPv4 address`.
    pub dns: Option<std::collections::BTreeMap<String, String>>,
    /// A TCP echo server (`echo: {}`).
    #[serde(default, deserialize_with = "present")]
    pub echo: Option<serde_norway::Value>,
    /// The guest's NIC is a UDP socket the host owns (`hostile: {}`).
    pub hostile: Option<RawHostileFixture>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHostileFixture {
    /// The guest's address on the fixture's /24 (default 10.0.9.15).
    pub guest_ip: Option<String>,
    /// The fixture's own address there (default 10.0.9.2).
    pub host_ip: Option<String>,
}

/// Frames of each kind; every count is optional (defaults in
/// `fixtures::hostile::Counts::DEFAULT`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHostileTraffic {
    /// The guest TCP port the SYN flood and the TCP frames aim at.
    pub port: u16,
    pub truncated: Option<u32>,
    pub bad_checksum: Option<u32>,
    pub bad_length: Option<u32>,
    pub fragments: Option<u32>,
    pub syn_flood: Option<u32>,
    pub oversized: Option<u32>,
    pub arp_garbage: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttpFixture {
    /// Directory served, relative to the workspace root.
    pub root: Option<String>,
    /// In-line files: `/path: contents`.
    pub files: Option<std::collections::BTreeMap<String, String>>,
    /// Generated files: `/path: MiB` of a fixed byte pattern (byte i is
    /// i mod 251), for download benchmarks.
    pub sized: Option<std::collections::BTreeMap<String, u32>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttpGet {
    /// The guest port (a `network.forwards` entry of the profile).
    pub port: u16,
    pub path: Option<String>,
    /// Expected HTTP status (default 200).
    pub status: Option<u16>,
    pub output: Option<String>,
    pub expect: Option<RawStrings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTcpExchange {
    pub port: u16,
    pub send: String,
    /// Connections opened at once (all held open, then each exchanges
    /// `send` for the reply); default 1.
    pub connections: Option<u32>,
    pub output: Option<String>,
    pub expect: Option<RawStrings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetric {
    pub name: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
}
