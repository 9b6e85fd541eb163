//! Host tools the artifacts and runs need: discovery for `doctor`, and
//! installation through apt when we run as root.
//!
//! Each profile asks only for what its arch, kernel source and disks use.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::{Arch, KernelSource, Profile};

use super::cmd;

/// How to tell whether a tool is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// A program on `PATH` (or in an `sbin` directory).
    Program(&'static str),
    /// A file that a package installs.
    File(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tool {
    pub name: &'static str,
    pub purpose: &'static str,
    pub probe: Probe,
    /// Debian package that provides it; `:arm64` marks a foreign-arch package.
    pub package: &'static str,
}

/// One line of the `doctor` report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ToolStatus {
    pub name: String,
    pub purpose: String,
    pub found: Option<PathBuf>,
    pub package: String,
    /// The exact command that installs it.
    pub install: String,
}

const fn program(name: &'static str, purpose: &'static str, package: &'static str) -> Tool {
    Tool { name, purpose, probe: Probe::Program(name), package }
}

pub const QEMU_AARCH64: Tool = program("qemu-system-aarch64", "runs aarch64 guests", "qemu-system-arm");
pub const QEMU_X86_64: Tool = program("qemu-system-x86_64", "runs x86_64 guests", "qemu-system-x86");
pub const MUSL_GCC: Tool = program("musl-gcc", "static musl BusyBox and test programs for x86_64", "musl-tools");
pub const AARCH64_GCC: Tool =
    program("aarch64-linux-gnu-gcc", "cross compiler behind aarch64-linux-musl-gcc", "gcc-aarch64-linux-gnu");
pub const AARCH64_MUSL_GCC: Tool =
    program("aarch64-linux-musl-gcc", "static musl BusyBox and test programs for aarch64", "musl-dev:arm64");
pub const ARM64_HEADERS: Tool = Tool {
    name: "arm64 kernel headers",
    purpose: "Linux UAPI headers for the aarch64 BusyBox build",
    probe: Probe::File("/usr/aarch64-linux-gnu/include/linux/version.h"),
    package: "linux-libc-dev-arm64-cross",
};
pub const X86_64_HEADERS: Tool = Tool {
    name: "x86_64 kernel headers",
    purpose: "Linux UAPI headers for the x86_64 BusyBox build",
    probe: Probe::File("/usr/include/x86_64-linux-gnu/asm/unistd.h"),
    package: "linux-libc-dev",
};
pub const MKE2FS: Tool = program("mke2fs", "builds ext2/ext4 disk images", "e2fsprogs");
pub const E2FSCK: Tool = program("e2fsck", "checks disk images after a run", "e2fsprogs");
pub const DEBUGFS: Tool = program("debugfs", "reads and fixes files inside disk images", "e2fsprogs");
pub const DPKG_SOURCE: Tool = program("dpkg-source", "unpacks the pinned BusyBox source package", "dpkg-dev");
pub const DPKG_DEB: Tool = program("dpkg-deb", "unpacks Debian kernel packages", "dpkg");
pub const BZIP2: Tool = program("bzip2", "unpacks the BusyBox upstream tarball", "bzip2");
pub const XZ: Tool = program("xz", "unpacks the compressed x86_64 kernel image", "xz-utils");
pub const MAKE: Tool = program("make", "builds BusyBox", "make");
pub const GCC: Tool = program("gcc", "host compiler for BusyBox's build helpers", "gcc");
pub const QEMU_IMG: Tool = program("qemu-img", "per-test disk overlays over cached images", "qemu-utils");
pub const APT_GET: Tool = program("apt-get", "downloads pinned Debian packages", "apt");
pub const LLD: Tool = program("ld.lld", "links the in-tree kernel", "lld");
pub const RUSTC_WEB: Tool = Tool {
    name: "rustc (Debian)",
    purpose: "builds the in-tree kernel (no rustup toolchain has rust-src)",
    probe: Probe::File("/usr/bin/rustc"),
    package: "rustc-web",
};
pub const CARGO_WEB: Tool = Tool {
    name: "cargo (Debian)",
    purpose: "builds the in-tree kernel (no rustup toolchain has rust-src)",
    probe: Probe::File("/usr/bin/cargo"),
    package: "cargo-web",
};
pub const RUST_WEB_SRC: Tool = Tool {
    name: "rust-src (Debian)",
    purpose: "standard library source for -Zbuild-std",
    probe: Probe::File("/usr/lib/rustlib/src/rust/library/core/Cargo.toml"),
    package: "rust-web-src",
};

pub const AAVMF: Tool = Tool {
    name: "AAVMF",
    purpose: "UEFI firmware for aarch64 guests (boot: uefi)",
    probe: Probe::File("/usr/share/AAVMF/AAVMF_CODE.fd"),
    package: "qemu-efi-aarch64",
};
pub const OVMF: Tool = Tool {
    name: "OVMF",
    purpose: "UEFI firmware for x86_64 guests (boot: uefi)",
    probe: Probe::File("/usr/share/OVMF/OVMF_CODE_4M.fd"),
    package: "ovmf",
};

/// Everything building `profile`'s artifacts needs.
pub fn for_build(profile: &Profile) -> Vec<Tool> {
    let mut tools = vec![APT_GET, DPKG_SOURCE, BZIP2, MAKE, GCC];
    match profile.arch {
        Arch::X86_64 => tools.extend([MUSL_GCC, X86_64_HEADERS]),
        Arch::Aarch64 => tools.extend([AARCH64_GCC, AARCH64_MUSL_GCC, ARM64_HEADERS]),
    }
    if matches!(profile.kernel, KernelSource::LinuxDebian { .. }) {
        tools.push(DPKG_DEB);
        if profile.arch == Arch::X86_64 {
            tools.push(XZ);
        }
    }
    if matches!(profile.kernel, KernelSource::Cargo { .. }) {
        tools.push(LLD);
        // Debian's toolchain only when no rustup toolchain carries rust-src.
        if !super::toolchain::KernelToolchain::rustup_available() {
            tools.extend([RUSTC_WEB, CARGO_WEB, RUST_WEB_SRC]);
        }
    }
    if !profile.disks.is_empty() {
        tools.extend([MKE2FS, E2FSCK, DEBUGFS]);
    }
    if profile.uefi().is_some() && !tools.contains(&DPKG_DEB) {
        // The loader is pulled out of its package.
        tools.push(DPKG_DEB);
    }
    tools
}

/// Everything running `profile` needs beyond its artifacts.
pub fn for_run(profile: &Profile) -> Vec<Tool> {
    let mut tools = vec![match profile.arch {
        Arch::Aarch64 => QEMU_AARCH64,
        Arch::X86_64 => QEMU_X86_64,
    }];
    tools.push(QEMU_IMG);
    if profile.uefi().is_some() {
        tools.push(match profile.arch {
            Arch::Aarch64 => AAVMF,
            Arch::X86_64 => OVMF,
        });
    }
    if !profile.disks.is_empty() {
        tools.extend([E2FSCK, DEBUGFS]);
    }
    tools
}

/// The union over `profiles` of build and run tools, each once.
pub fn doctor_report(profiles: &[Profile]) -> Vec<ToolStatus> {
    let mut tools: Vec<Tool> = Vec::new();
    for p in profiles {
        for t in for_build(p).into_iter().chain(for_run(p)) {
            if !tools.contains(&t) {
                tools.push(t);
            }
        }
    }
    let root = is_root();
    let add_arch = !foreign_arm64_enabled();
    let mut report: Vec<ToolStatus> = tools
        .iter()
        .map(|t| ToolStatus {
            name: t.name.into(),
            purpose: t.purpose.into(),
            found: find(t),
            package: t.package.into(),
            install: install_command(&[t.package], root, add_arch),
        })
        .collect();
    if profiles.iter().any(|p| matches!(p.kernel, KernelSource::Cargo { .. })) {
        report.push(kernel_toolchain_status(root));
    }
    report
}

/// The doctor line that says which Rust toolchain builds the in-tree kernel.
fn kernel_toolchain_status(root: bool) -> ToolStatus {
    let packages = super::toolchain::KERNEL_TOOLCHAIN_PACKAGES;
    let (name, found, purpose) = match super::toolchain::KernelToolchain::discover() {
        Ok(tc) => (
            // The text report prints only name and path: the name says which.
            format!("kernel rust: {}", tc.origin.split(" (").next().unwrap_or(&tc.origin)),
            Some(tc.rustc),
            format!("in-tree kernel: {} ({})", tc.origin, tc.version),
        ),
        Err(_) => (
            "kernel rust toolchain".to_string(),
            None,
            "in-tree kernel: no Rust toolchain with rust-src and ld.lld".to_string(),
        ),
    };
    ToolStatus { name, purpose, found, package: packages.join(" "), install: install_command(packages, root, false) }
}

/// Where `tool` is, if installed.
pub fn find(tool: &Tool) -> Option<PathBuf> {
    match tool.probe {
        Probe::Program(name) => find_program(name),
        Probe::File(path) => Path::new(path).exists().then(|| PathBuf::from(path)),
    }
}

/// Looks `name` up on `PATH`, then in the `sbin` directories a non-root `PATH` often lacks.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Makes sure every tool is present: as root with apt-get, missing packages
/// are installed (saying so through `log`); otherwise the error gives the
/// exact command to run.
pub fn ensure(tools: &[Tool], log: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
    let missing: Vec<&Tool> = tools.iter().filter(|t| find(t).is_none()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut packages: Vec<&str> = Vec::new();
    for t in &missing {
        if !packages.contains(&t.package) {
            packages.push(t.package);
        }
    }
    let needs_arch = packages.iter().any(|p| p.ends_with(":arm64")) && !foreign_arm64_enabled();
    let names: Vec<String> = missing.iter().map(|t| format!("{} ({})", t.name, t.purpose)).collect();
    if !is_root() || find_program("apt-get").is_none() {
        anyhow::bail!(
            "missing host tools: {}\ninstall them with:\n  {}",
            names.join(", "),
            install_command(&packages, is_root(), needs_arch)
        );
    }
    log(&format!("installing {} (needed for {})", packages.join(" "), names.join(", ")));
    if needs_arch {
        log("adding the arm64 architecture to dpkg");
        cmd::run(duct::cmd("dpkg", ["--add-architecture", "arm64"]), "dpkg --add-architecture arm64")?;
        APT_UPDATED.store(false, Ordering::SeqCst);
    }
    if !APT_UPDATED.swap(true, Ordering::SeqCst) {
        log("apt-get update");
        cmd::run(duct::cmd("apt-get", ["update"]), "apt-get update")?;
    }
    let mut args: Vec<String> = ["install", "-y", "--no-install-recommends"].map(String::from).to_vec();
    args.extend(packages.iter().map(|p| p.to_string()));
    if let Some(pin) = matching_qemu_utils(&packages) {
        log(&format!("pinning {pin}: the installed qemu-utils would break Debian's qemu-system"));
        args.push("--allow-downgrades".into());
        args.push(pin);
    }
    cmd::run(duct::cmd("apt-get", &args).env("DEBIAN_FRONTEND", "noninteractive"), "apt-get install")?;
    let still: Vec<&str> = missing.iter().filter(|t| find(t).is_none()).map(|t| t.name).collect();
    if !still.is_empty() {
        anyhow::bail!("installed {} but still missing: {}", packages.join(" "), still.join(", "));
    }
    Ok(())
}

/// Some machine images ship a newer qemu-utils (from backports) whose
/// package `Breaks:` Debian's qemu-system; installing a qemu-system package
/// then fails. The answer is the qemu-utils of qemu-system-common's
/// candidate version (`qemu-utils=VERSION`), or None when nothing needs it.
fn matching_qemu_utils(packages: &[&str]) -> Option<String> {
    if !packages.iter().any(|p| p.starts_with("qemu-system-")) {
        return None;
    }
    let installed = cmd::run(duct::cmd("dpkg-query", ["-W", "-f=${Version}", "qemu-utils"]), "dpkg-query").ok()?;
    let policy = cmd::run(duct::cmd("apt-cache", ["policy", "qemu-system-common"]), "apt-cache policy").ok()?;
    let candidate = candidate_version(&policy)?;
    (!installed.trim().is_empty() && installed.trim() != candidate).then(|| format!("qemu-utils={candidate}"))
}

/// The `Candidate:` line of `apt-cache policy` output.
fn candidate_version(policy: &str) -> Option<&str> {
    policy.lines().find_map(|l| l.trim().strip_prefix("Candidate:")).map(str::trim).filter(|v| *v != "(none)")
}

/// `apt-get update` ran in this process (it is slow: once is enough).
static APT_UPDATED: AtomicBool = AtomicBool::new(false);

fn install_command(packages: &[&str], root: bool, add_arch: bool) -> String {
    let sudo = if root { "" } else { "sudo " };
    let mut steps = Vec::new();
    if add_arch && packages.iter().any(|p| p.ends_with(":arm64")) {
        steps.push(format!("{sudo}dpkg --add-architecture arm64"));
        steps.push(format!("{sudo}apt-get update"));
    }
    steps.push(format!("{sudo}apt-get install -y --no-install-recommends {}", packages.join(" ")));
    steps.join(" && ")
}

fn foreign_arm64_enabled() -> bool {
    let native = cmd::run(duct::cmd("dpkg", ["--print-architecture"]), "dpkg").unwrap_or_default();
    let foreign = cmd::run(duct::cmd("dpkg", ["--print-foreign-architectures"]), "dpkg").unwrap_or_default();
    native.trim() == "arm64" || foreign.lines().any(|l| l.trim() == "arm64")
}

/// Whether this process runs with effective uid 0.
pub fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .is_some_and(|euid| euid == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_version_reads_apt_cache_policy() {
        let policy =
            "qemu-system-common:\n  Installed: (none)\n  Candidate: 1:7.2+dfsg-7+deb12u18+b3\n  Version table:\n";
        assert_eq!(candidate_version(policy), Some("1:7.2+dfsg-7+deb12u18+b3"));
        assert_eq!(candidate_version("x:\n  Candidate: (none)\n"), None);
    }

    #[test]
    fn install_command_adds_arch_only_for_arm64_packages() {
        assert_eq!(
            install_command(&["musl-tools"], true, true),
            "apt-get install -y --no-install-recommends musl-tools"
        );
        assert_eq!(
            install_command(&["musl-dev:arm64", "e2fsprogs"], false, true),
            "sudo dpkg --add-architecture arm64 && sudo apt-get update && \
             sudo apt-get install -y --no-install-recommends musl-dev:arm64 e2fsprogs"
        );
    }

    #[test]
    fn program_lookup_searches_sbin() {
        assert!(find_program("sh").is_some());
        assert!(find_program("definitely-not-a-program-xtask").is_none());
    }
}
