//! The QEMU command line, built by a pure function from a resolved profile
//! and the files of one boot (snapshot-tested in `tests/cmdline.rs`).

use std::path::PathBuf;

use crate::config::{Accel, Network, Profile, VirtioTransport};

/// Everything about one boot that is not in the profile.
#[derive(Debug, Clone)]
pub struct BootFiles {
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    /// Writable qcow2 overlays of this guest, in profile order (`/dev/vda`, `vdb`, ...).
    pub disks: Vec<PathBuf>,
    /// Start from a saved state (`-incoming`) instead of booting.
    pub incoming: Option<PathBuf>,
    /// QMP socket for triage and power control.
    pub qmp: Option<PathBuf>,
    /// `(host port on 127.0.0.1, guest port)` for each TCP forward.
    pub forwards: Vec<(u16, u16)>,
    /// The NIC's backend is a UDP socket pair on 127.0.0.1 instead of the
    /// profile's network: `(QEMU's port, the host fixture's port)`; each
    /// datagram is one Ethernet frame (the hostile fixture).
    pub dgram: Option<(u16, u16)>,
    /// `boot: uefi`: this guest's own writable copy (qcow2) of the firmware
    /// variable store.
    pub vars: Option<PathBuf>,
}

/// The program and arguments. `accel` is already decided (never `Auto`).
pub fn command_line(profile: &Profile, accel: Accel, files: &BootFiles) -> Vec<String> {
    let q = &profile.qemu;
    let mut a: Vec<String> = vec![q.binary.clone()];
    let mut push = |items: &[&str]| a.extend(items.iter().map(|s| s.to_string()));
    push(&["-machine", &q.machine]);
    if let Some(cpu) = &q.cpu {
        push(&["-cpu", cpu]);
    }
    let accel = match accel {
        Accel::Kvm => "kvm",
        Accel::Tcg | Accel::Auto => "tcg",
    };
    push(&["-accel", accel, "-m", &q.memory_mib.to_string(), "-smp", &q.smp.to_string()]);
    // No default devices, no config files, no display: only what is listed here.
    push(&["-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"]);
    // Serial on stdio pipes; signal=off so a \x03 for the guest is never a
    // SIGINT for QEMU, even when stdio is a terminal.
    push(&["-chardev", "stdio,id=con0,signal=off", "-serial", "chardev:con0"]);
    match profile.uefi() {
        None => {
            if let Some(fw) = &q.firmware {
                push(&["-bios", &fw.display().to_string()]);
            }
            push(&["-kernel", &files.kernel.display().to_string()]);
            if let Some(initrd) = &files.initrd {
                push(&["-initrd", &initrd.display().to_string()]);
            }
            if !profile.cmdline.is_empty() {
                push(&["-append", &profile.cmdline]);
            }
        }
        // The kernel, initramfs and cmdline are on the ESP (the last disk);
        // the firmware code is never written, the variables are the guest's own.
        Some(uefi) => {
            let code = format!("if=pflash,format=raw,unit=0,readonly=on,file={}", uefi.code.display());
            push(&["-drive", &code]);
            let vars = files.vars.as_ref().map_or("<vars>".to_string(), |v| v.display().to_string());
            push(&["-drive", &format!("if=pflash,format=qcow2,unit=1,file={vars}")]);
            // The firmware's boot-manager timeout comes from fw_cfg
            // `etc/boot-menu-wait`; without it AAVMF waits 5 s for a key
            // before booting (measured: firmware stage 5.6 s -> 0.6 s).
            push(&["-boot", "menu=on,splash-time=0"]);
        }
    }
    let (blk, net, rng) = match q.virtio_transport {
        VirtioTransport::Pci => ("virtio-blk-pci", "virtio-net-pci", "virtio-rng-pci"),
        VirtioTransport::Mmio => ("virtio-blk-device", "virtio-net-device", "virtio-rng-device"),
    };
    if q.virtio_transport == VirtioTransport::Mmio {
        push(&["-global", "virtio-mmio.force-legacy=false"]);
    }
    for (i, disk) in files.disks.iter().enumerate() {
        // writethrough: the guest sees a disk without a volatile write cache,
        // so a completed write is on the host file even if QEMU is killed
        // (a power cut loses only writes still in flight). With writeback a
        // filesystem that never sends a flush (ext2) could lose data it had
        // synced, and qcow2 metadata could stay in QEMU's memory.
        push(&["-drive", &format!("file={},format=qcow2,if=none,id=disk{i},cache=writethrough", disk.display())]);
        // The firmware boots the ESP first (fw_cfg bootorder), never trying
        // the other disks or the network.
        let bootindex = match profile.uefi().is_some() && i + 1 == files.disks.len() {
            true => ",bootindex=0",
            false => "",
        };
        push(&["-device", &format!("{blk},drive=disk{i}{bootindex}")]);
    }
    let netdev = match (&profile.network, files.dgram) {
        // QEMU 7.2's `dgram` netdev: it binds `local`, sends every frame the
        // guest transmits to `remote`, and delivers every datagram that
        // reaches `local` as one received frame.
        (_, Some((qemu, host))) => Some(format!(
            "dgram,id=net0,local.type=inet,local.host=127.0.0.1,local.port={qemu},\
             remote.type=inet,remote.host=127.0.0.1,remote.port={host}"
        )),
        (Network::User { .. }, None) => {
            let mut netdev = "user,id=net0".to_string();
            for (host, guest) in &files.forwards {
                netdev.push_str(&format!(",hostfwd=tcp:127.0.0.1:{host}-:{guest}"));
            }
            Some(netdev)
        }
        (Network::None, None) => None,
    };
    if let Some(netdev) = netdev {
        push(&["-netdev", &netdev]);
        // romfile= : no option ROM, so no iPXE firmware is needed.
        let dev = match q.virtio_transport {
            VirtioTransport::Pci => format!("{net},netdev=net0,romfile="),
            VirtioTransport::Mmio => format!("{net},netdev=net0"),
        };
        push(&["-device", &dev]);
    }
    if profile.has_capability(crate::config::Capability::Rng) {
        push(&["-device", rng]);
    }
    if let Some(qmp) = &files.qmp {
        push(&["-qmp", &format!("unix:{},server=on,wait=off", qmp.display())]);
    }
    a.extend(q.extra_args.iter().cloned());
    if let Some(state) = &files.incoming {
        let quoted = state.display().to_string().replace('\'', r"'\''");
        a.extend(["-incoming".to_string(), format!("exec:cat '{quoted}'")]);
    }
    a
}

/// The command line as one shell-quoted string, for reports and logs.
pub fn render(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
