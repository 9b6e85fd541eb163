//! Turns profile files into resolved [`Profile`]s: reads the `inherits` chain
//! once, checks every file's values where they are written (so errors point at
//! the right file and line), merges child over parent, then checks that the
//! flat result is complete.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::duration;
use super::error::{ConfigError, InheritsError, Location};
use super::merge::merge;
use super::parse::{regex, Checker, Source};
use super::profile::*;
use super::raw::*;

/// Default cap on one boot's transcript: a guest that prints without end cannot
/// exhaust host memory.
const DEFAULT_TRANSCRIPT_KIB: u64 = 8 * 1024;
const CAPABILITIES: &[&str] =
    &["virtio-blk", "network", "smp", "rng", "ext4", "panic-trigger", "test-programs", "uefi"];

/// Names of the profiles defined in `dir` (file stems of `*.yaml`), sorted.
pub fn profile_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            (p.extension().is_some_and(|x| x == "yaml")).then(|| p.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

/// Loads profile `name` from `dir`, resolving its whole `inherits` chain.
/// An abstract profile is an error here: it cannot be booted.
pub fn load_profile(dir: &Path, root: &Path, name: &str) -> Result<Profile, ConfigError> {
    match check_profile(dir, root, name)? {
        Some(p) => Ok(p),
        None => {
            let source = Source::read(&dir.join(format!("{name}.yaml")))?;
            Err(ConfigError::Invalid {
                at: source.at("abstract"),
                message: format!(
                    "profile `{name}` is abstract: it only exists to be inherited, pick a profile that inherits it"
                ),
            })
        }
    }
}

/// Checks profile `name` and its chain; `None` for an abstract profile
/// (whose values are checked but which need not be complete).
pub fn check_profile(dir: &Path, root: &Path, name: &str) -> Result<Option<Profile>, ConfigError> {
    let known = profile_names(dir);
    if !known.iter().any(|n| n == name) {
        return Err(ConfigError::UnknownProfile { name: name.into(), known: known.join(", ") });
    }
    // Read the chain leaf-first.
    let mut chain: Vec<(String, Source, RawProfile)> = Vec::new();
    let mut next = Some(name.to_string());
    while let Some(current) = next.take() {
        let path = dir.join(format!("{current}.yaml"));
        let source = Source::read(&path)?;
        let raw: RawProfile = source.deserialize()?;
        check_raw(&source, &raw, root)?;
        if let Some(parent) = &raw.inherits {
            let at = source.at("inherits");
            if parent == &current || chain.iter().any(|(n, ..)| n == parent) {
                let mut names: Vec<&str> = chain.iter().map(|(n, ..)| n.as_str()).collect();
                names.push(&current);
                names.push(parent);
                return Err(ConfigError::Inherits(Box::new(InheritsError::Cycle {
                    at,
                    name: current.clone(),
                    chain: names.join(" -> "),
                })));
            }
            if !known.iter().any(|n| n == parent) {
                return Err(ConfigError::Inherits(Box::new(InheritsError::UnknownParent {
                    at,
                    name: current.clone(),
                    parent: parent.clone(),
                    known: known.join(", "),
                })));
            }
            next = Some(parent.clone());
        }
        chain.push((current, source, raw));
    }
    if chain[0].2.is_abstract == Some(true) {
        return Ok(None);
    }
    let names: Vec<String> = chain.iter().map(|(n, ..)| n.clone()).collect();
    let leaf_source = &chain[0].1;
    let merged = chain
        .iter()
        .rev()
        .map(|(_, _, raw)| raw.clone())
        .reduce(|parent, child| merge(child, parent))
        .unwrap_or_default();
    resolve(name, names, leaf_source, merged, root).map(Some)
}

fn arch(s: &str) -> Result<Arch, String> {
    match s {
        "aarch64" => Ok(Arch::Aarch64),
        "x86_64" => Ok(Arch::X86_64),
        _ => Err(format!("unknown arch `{s}`; expected aarch64 or x86_64")),
    }
}

/// `direct` or `uefi`; a UEFI profile's firmware and loader are filled in by `resolve`.
fn boot_kind(s: &str) -> Result<bool, String> {
    match s {
        "direct" => Ok(false),
        "uefi" => Ok(true),
        _ => Err(format!("unknown boot `{s}`; expected direct or uefi")),
    }
}

/// A Debian version: what `apt-get download pkg=VERSION` accepts.
fn debian_version(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || ".+-~:".contains(c));
    ok.then_some(()).ok_or_else(|| format!("`{s}` is not a Debian package version (e.g. 252.39-1~deb12u2)"))
}

fn accel(s: &str) -> Result<Accel, String> {
    match s {
        "tcg" => Ok(Accel::Tcg),
        "kvm" => Ok(Accel::Kvm),
        "auto" => Ok(Accel::Auto),
        _ => Err(format!("unknown accel `{s}`; expected tcg, kvm or auto")),
    }
}

fn transport(s: &str) -> Result<VirtioTransport, String> {
    match s {
        "pci" => Ok(VirtioTransport::Pci),
        "mmio" => Ok(VirtioTransport::Mmio),
        _ => Err(format!("unknown virtio transport `{s}`; expected pci or mmio")),
    }
}

fn filesystem(s: &str) -> Result<Filesystem, String> {
    match s {
        "ext2" => Ok(Filesystem::Ext2),
        "ext4" => Ok(Filesystem::Ext4),
        _ => Err(format!("unknown filesystem `{s}`; expected ext2 or ext4")),
    }
}

fn partition(s: &str) -> Result<PartitionTable, String> {
    match s {
        "none" => Ok(PartitionTable::None),
        "mbr" => Ok(PartitionTable::Mbr),
        "gpt" => Ok(PartitionTable::Gpt),
        _ => Err(format!("unknown partition table `{s}`; expected none, mbr or gpt")),
    }
}

fn kernel(k: &RawKernel, root: &Path) -> Result<KernelSource, String> {
    let mut found = Vec::new();
    if let Some(l) = &k.linux_debian {
        found.push(KernelSource::LinuxDebian { package: l.package.clone(), version: l.version.clone() });
    }
    if let Some(c) = &k.cargo {
        found.push(KernelSource::Cargo {
            path: root.join(c.path.as_deref().unwrap_or("kernel")),
            features: c.features.clone().unwrap_or_default(),
        });
    }
    if let Some(p) = &k.prebuilt {
        found.push(KernelSource::Prebuilt { path: root.join(&p.path) });
    }
    if let Some(c) = &k.command {
        found.push(KernelSource::Command { run: c.run.clone() });
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err("kernel needs one of: linux_debian, cargo, prebuilt, command".into()),
        _ => Err("kernel takes exactly one of: linux_debian, cargo, prebuilt, command".into()),
    }
}

fn timeout(s: &Option<String>) -> Result<Option<Duration>, String> {
    s.as_deref().map(duration::parse).transpose()
}

/// Checks every value a single file sets, with positions in that file.
fn check_raw(src: &Source, raw: &RawProfile, root: &Path) -> Result<(), ConfigError> {
    let mut c = Checker::new(src);
    if let Some(a) = &raw.arch {
        c.check("arch", arch(a));
    }
    if let Some(b) = &raw.boot {
        c.check("boot", boot_kind(b));
    }
    if let Some(u) = &raw.uefi {
        if let Some(v) = &u.loader_version {
            c.check("uefi.loader_version", debian_version(v));
        }
        for (key, path) in [("uefi.code", &u.code), ("uefi.vars", &u.vars)] {
            if path.as_deref().is_some_and(str::is_empty) {
                c.error(key, "a firmware path cannot be empty");
            }
        }
    }
    if let Some(q) = &raw.qemu {
        if let Some(a) = &q.accel {
            c.check("qemu.accel", accel(a));
        }
        if let Some(t) = &q.virtio_transport {
            c.check("qemu.virtio_transport", transport(t));
        }
        if q.smp == Some(0) || q.smp.is_some_and(|n| n > 64) {
            c.error("qemu.smp", "smp must be between 1 and 64");
        }
        if q.memory_mib.is_some_and(|m| !(16..=65536).contains(&m)) {
            c.error("qemu.memory_mib", "memory_mib must be between 16 and 65536");
        }
    }
    if let Some(k) = &raw.kernel {
        c.check("kernel", kernel(k, root));
        if let Some(p) = &k.prebuilt {
            if !root.join(&p.path).exists() {
                c.error("kernel.prebuilt.path", format!("no such file: {}", root.join(&p.path).display()));
            }
        }
    }
    if let Some(r) = &raw.rootfs {
        for (i, o) in r.overlays.iter().flatten().enumerate() {
            if !root.join(o).is_dir() {
                c.error(&format!("rootfs.overlays[{i}]"), format!("no such directory: {o}"));
            }
        }
        for (i, line) in r.busybox_config.iter().flatten().enumerate() {
            if !(line.starts_with("CONFIG_") || line.starts_with("# CONFIG_")) {
                c.error(
                    &format!("rootfs.busybox_config[{i}]"),
                    format!("`{line}` is not a BusyBox config line (CONFIG_X=y or # CONFIG_X is not set)"),
                );
            }
        }
    }
    for (i, d) in raw.disks.iter().flatten().enumerate() {
        let key = format!("disks[{i}]");
        if let Some(fs) = &d.filesystem {
            c.check(&format!("{key}.filesystem"), filesystem(fs));
        }
        if let Some(p) = &d.partition {
            c.check(&format!("{key}.partition"), partition(p));
        }
        if d.size_mib.is_some_and(|s| !(1..=65536).contains(&s)) {
            c.error(&format!("{key}.size_mib"), "size_mib must be between 1 and 65536");
        }
        if let Some(seed) = &d.seed {
            if !root.join(seed).is_dir() {
                c.error(&format!("{key}.seed"), format!("no such directory: {seed}"));
            }
        }
        if d.name == ESP_DISK {
            c.error(&format!("{key}.name"), format!("`{ESP_DISK}` is the EFI system partition of `boot: uefi`"));
        }
        if d.name.is_empty() || !d.name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
            c.error(&format!("{key}.name"), "disk names use letters, digits, - and _");
        }
    }
    if let Some(n) = &raw.network {
        if let Some(m) = &n.mode {
            if m != "user" && m != "none" {
                c.error("network.mode", format!("unknown network mode `{m}`; expected user or none"));
            }
        }
    }
    if let Some(con) = &raw.console {
        if let Some(p) = &con.prompt {
            c.check("console.prompt", regex(p));
        }
        for (i, p) in con.panic.iter().flatten().enumerate() {
            c.check(&format!("console.panic[{i}]"), regex(p));
        }
        for (i, p) in con.noise.iter().flatten().enumerate() {
            c.check(&format!("console.noise[{i}]"), regex(p));
        }
        for (i, p) in con.warning.iter().flatten().enumerate() {
            c.check(&format!("console.warning[{i}]"), regex(p));
        }
        if con.transcript_limit_kib.is_some_and(|k| !(16..=1024 * 1024).contains(&k)) {
            c.error("console.transcript_limit_kib", "transcript_limit_kib must be between 16 and 1048576");
        }
    }
    for (i, m) in raw.boot_markers.iter().flatten().enumerate() {
        if m.trim().is_empty() {
            c.error(&format!("boot_markers[{i}]"), "a boot marker cannot be empty");
        }
    }
    if let Some(t) = &raw.timeouts {
        c.check("timeouts.boot", timeout(&t.boot));
        c.check("timeouts.step", timeout(&t.step));
        c.check("timeouts.test", timeout(&t.test));
    }
    for (i, cap) in raw.capabilities.iter().flatten().enumerate() {
        if !CAPABILITIES.contains(&cap.as_str()) {
            c.error(
                &format!("capabilities[{i}]"),
                format!("unknown capability `{cap}`; known: {}", CAPABILITIES.join(", ")),
            );
        }
    }
    c.finish()
}

/// Builds the flat profile; values were checked per file, so only missing
/// required keys can fail here, reported against the leaf profile.
fn resolve(
    name: &str,
    chain: Vec<String>,
    leaf: &Source,
    raw: RawProfile,
    root: &Path,
) -> Result<Profile, ConfigError> {
    let missing = |key: &str| ConfigError::Invalid {
        at: Location { file: leaf.path.clone(), line: None, column: None, key: Some(key.into()) },
        message: format!("profile `{name}` (with everything it inherits) does not set `{key}`"),
    };
    fn at<T>(leaf: &Source, r: Result<T, String>, key: &str) -> Result<T, ConfigError> {
        r.map_err(|message| ConfigError::Invalid { at: leaf.at(key), message })
    }
    let arch = at(leaf, arch(raw.arch.as_deref().ok_or_else(|| missing("arch"))?), "arch")?;
    let boot = match at(leaf, boot_kind(raw.boot.as_deref().unwrap_or("direct")), "boot")? {
        false => Boot::Direct,
        true => {
            let u = raw.uefi.clone().unwrap_or_default();
            let (code, vars) = Uefi::default_firmware(arch);
            Boot::Uefi(Uefi {
                code: root.join(u.code.as_deref().unwrap_or(code)),
                vars: root.join(u.vars.as_deref().unwrap_or(vars)),
                loader_version: u.loader_version.ok_or_else(|| missing("uefi.loader_version"))?,
            })
        }
    };
    if raw.uefi.is_some() && boot == Boot::Direct {
        return Err(ConfigError::Invalid {
            at: leaf.at("uefi"),
            message: format!("profile `{name}` sets `uefi` but boots `direct`; add `boot: uefi`"),
        });
    }
    let q = raw.qemu.unwrap_or_default();
    if boot != Boot::Direct && q.firmware.is_some() {
        return Err(ConfigError::Invalid {
            at: leaf.at("qemu.firmware"),
            message: "`qemu.firmware` (-bios) and `boot: uefi` (pflash) exclude each other".into(),
        });
    }
    let qemu = Qemu {
        binary: q.binary.unwrap_or_else(|| format!("qemu-system-{}", arch.name())),
        machine: q.machine.ok_or_else(|| missing("qemu.machine"))?,
        cpu: q.cpu,
        smp: q.smp.unwrap_or(1),
        memory_mib: q.memory_mib.unwrap_or(512),
        accel: at(leaf, accel(q.accel.as_deref().unwrap_or("tcg")), "qemu.accel")?,
        virtio_transport: at(leaf, transport(q.virtio_transport.as_deref().unwrap_or("pci")), "qemu.virtio_transport")?,
        firmware: q.firmware.map(|f| root.join(f)),
        extra_args: q.extra_args.unwrap_or_default(),
    };
    let kernel = at(leaf, kernel(raw.kernel.as_ref().ok_or_else(|| missing("kernel"))?, root), "kernel")?;
    let r = raw.rootfs.unwrap_or_default();
    let rootfs = Rootfs {
        busybox_config: r.busybox_config.unwrap_or_default(),
        overlays: r.overlays.unwrap_or_default().into_iter().map(|o| root.join(o)).collect(),
        modules: r.modules.unwrap_or_default(),
        test_programs: r.test_programs.unwrap_or(true),
    };
    let mut disks = Vec::new();
    for (i, d) in raw.disks.unwrap_or_default().into_iter().enumerate() {
        disks.push(Disk {
            name: d.name,
            size_mib: d.size_mib.unwrap_or(64),
            filesystem: at(
                leaf,
                filesystem(d.filesystem.as_deref().unwrap_or("ext2")),
                &format!("disks[{i}].filesystem"),
            )?,
            partition: at(leaf, partition(d.partition.as_deref().unwrap_or("none")), &format!("disks[{i}].partition"))?,
            seed: d.seed.map(|s| root.join(s)),
            label: d.label,
        });
    }
    let n = raw.network.unwrap_or_default();
    let network = match n.mode.as_deref() {
        Some("none") => Network::None,
        _ => Network::User { forwards: n.forwards.unwrap_or_default() },
    };
    let con = raw.console.unwrap_or_default();
    let console = Console {
        prompt: at(leaf, regex(con.prompt.as_deref().ok_or_else(|| missing("console.prompt"))?), "console.prompt")?,
        panic: con
            .panic
            .unwrap_or_default()
            .iter()
            .map(|p| at(leaf, regex(p), "console.panic"))
            .collect::<Result<_, _>>()?,
        noise: con
            .noise
            .unwrap_or_default()
            .iter()
            .map(|p| at(leaf, regex(p), "console.noise"))
            .collect::<Result<_, _>>()?,
        warning: con
            .warning
            .unwrap_or_default()
            .iter()
            .map(|p| at(leaf, regex(p), "console.warning"))
            .collect::<Result<_, _>>()?,
        setup: con.setup.unwrap_or_default(),
        transcript_limit: (con.transcript_limit_kib.unwrap_or(DEFAULT_TRANSCRIPT_KIB) * 1024) as usize,
    };
    let t = raw.timeouts.unwrap_or_default();
    let timeouts = Timeouts {
        boot: at(leaf, timeout(&t.boot), "timeouts.boot")?.unwrap_or(Duration::from_secs(60)),
        step: at(leaf, timeout(&t.step), "timeouts.step")?.unwrap_or(Duration::from_secs(30)),
        test: at(leaf, timeout(&t.test), "timeouts.test")?.unwrap_or(Duration::from_secs(600)),
    };
    Ok(Profile {
        name: name.to_string(),
        file: PathBuf::from(&leaf.path),
        chain,
        description: raw.description.unwrap_or_default(),
        arch,
        boot,
        qemu,
        kernel,
        cmdline: raw.cmdline.unwrap_or_default(),
        rootfs,
        disks,
        network,
        console,
        boot_markers: raw.boot_markers.unwrap_or_default(),
        timeouts,
        capabilities: raw.capabilities.unwrap_or_default(),
    })
}
