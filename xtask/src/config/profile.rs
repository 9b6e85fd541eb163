//! Resolved profiles: what to boot, flat (inheritance applied) and validated.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    Aarch64,
    X86_64,
}

impl Arch {
    pub fn name(self) -> &'static str {
        match self {
            Arch::Aarch64 => "aarch64",
            Arch::X86_64 => "x86_64",
        }
    }
    /// Debian's name for the architecture.
    pub fn debian(self) -> &'static str {
        match self {
            Arch::Aarch64 => "arm64",
            Arch::X86_64 => "amd64",
        }
    }
}

/// How the kernel starts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Boot {
    /// QEMU loads the kernel and initramfs itself (`-kernel`, `-initrd`).
    Direct,
    /// UEFI firmware boots a loader from an EFI system partition the
    /// orchestrator builds (attached after the profile's disks).
    Uefi(Uefi),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Uefi {
    /// Firmware code: a read-only pflash.
    pub code: PathBuf,
    /// Pristine variable store: every guest gets its own copy.
    pub vars: PathBuf,
    /// Exact Debian version of `systemd-boot-efi`.
    pub loader_version: String,
}

impl Uefi {
    /// The default firmware of `arch` from Debian's packages.
    pub fn default_firmware(arch: Arch) -> (&'static str, &'static str) {
        match arch {
            Arch::Aarch64 => ("/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd"),
            Arch::X86_64 => ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
        }
    }
}

/// Name of the EFI system partition among a UEFI guest's disks.
pub const ESP_DISK: &str = "esp";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Accel {
    Tcg,
    Kvm,
    /// KVM only after a probe boot proves it works, else TCG.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VirtioTransport {
    Pci,
    Mmio,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Qemu {
    pub binary: String,
    pub machine: String,
    pub cpu: Option<String>,
    pub smp: u32,
    pub memory_mib: u32,
    pub accel: Accel,
    pub virtio_transport: VirtioTransport,
    pub firmware: Option<PathBuf>,
    pub extra_args: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KernelSource {
    LinuxDebian { package: String, version: String },
    Cargo { path: PathBuf, features: Vec<String> },
    Prebuilt { path: PathBuf },
    Command { run: String },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Rootfs {
    pub busybox_config: Vec<String>,
    pub overlays: Vec<PathBuf>,
    pub modules: Vec<String>,
    pub test_programs: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Filesystem {
    Ext2,
    Ext4,
}

/// How a disk image is laid out: the filesystem alone (`/dev/vda`) or as
/// partition 1 of an MBR or GPT table (`/dev/vda1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionTable {
    None,
    Mbr,
    Gpt,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Disk {
    pub name: String,
    pub size_mib: u32,
    pub filesystem: Filesystem,
    pub partition: PartitionTable,
    pub seed: Option<PathBuf>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    None,
    User { forwards: Vec<u16> },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Console {
    #[serde(with = "regex_str")]
    pub prompt: Regex,
    #[serde(with = "regex_vec")]
    pub panic: Vec<Regex>,
    #[serde(with = "regex_vec")]
    pub noise: Vec<Regex>,
    #[serde(with = "regex_vec")]
    pub warning: Vec<Regex>,
    pub setup: Vec<String>,
    pub transcript_limit: usize,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Timeouts {
    pub boot: Duration,
    pub step: Duration,
    pub test: Duration,
}

/// A profile with its `inherits` chain applied and every value checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Profile {
    pub name: String,
    /// The file that defines the profile (not its parents).
    pub file: PathBuf,
    /// Names from this profile up to the root of its `inherits` chain.
    pub chain: Vec<String>,
    pub description: String,
    pub arch: Arch,
    pub boot: Boot,
    pub qemu: Qemu,
    pub kernel: KernelSource,
    pub cmdline: String,
    pub rootfs: Rootfs,
    pub disks: Vec<Disk>,
    pub network: Network,
    pub console: Console,
    pub boot_markers: Vec<String>,
    pub timeouts: Timeouts,
    pub capabilities: Vec<String>,
}

impl Profile {
    pub fn has_capability(&self, cap: &str) -> bool {
        self.capabilities.iter().any(|c| c == cap)
    }

    pub fn uefi(&self) -> Option<&Uefi> {
        match &self.boot {
            Boot::Uefi(u) => Some(u),
            Boot::Direct => None,
        }
    }
}

mod regex_str {
    pub fn serialize<S: serde::Serializer>(r: &regex::Regex, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(r.as_str())
    }
}

mod regex_vec {
    use serde::ser::SerializeSeq;
    pub fn serialize<S: serde::Serializer>(r: &[regex::Regex], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(r.len()))?;
        for re in r {
            seq.serialize_element(re.as_str())?;
        }
        seq.end()
    }
}
