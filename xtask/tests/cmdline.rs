//! QEMU command lines for the shipped profiles, as snapshots: a change to a
//! profile or to the builder shows up as a reviewable diff.

use std::path::PathBuf;

use xtask::config::{Accel, Workspace};
use xtask::qemu::cmdline::{command_line, render, BootFiles};

fn files() -> BootFiles {
    BootFiles {
        kernel: PathBuf::from("/cache/kernel"),
        initrd: Some(PathBuf::from("/cache/initramfs.cpio")),
        disks: vec![PathBuf::from("/scratch/data.qcow2")],
        incoming: None,
        qmp: Some(PathBuf::from("/scratch/qmp-1.sock")),
        forwards: vec![(40123, 8080)],
        dgram: None,
        vars: Some(PathBuf::from("/scratch/efivars-boot1.qcow2")),
    }
}

fn line(profile: &str, accel: Accel) -> String {
    let ws = Workspace::load(&xtask::project::root()).unwrap();
    let p = ws.profile(profile).unwrap();
    render(&command_line(&p, accel, &files())).replace(" -", "\n  -")
}

#[test]
fn linux_aarch64() {
    insta::assert_snapshot!(line("linux-aarch64", Accel::Tcg));
}

#[test]
fn linux_aarch64_uefi() {
    let ws = Workspace::load(&xtask::project::root()).unwrap();
    let p = ws.profile("linux-aarch64-uefi").unwrap();
    let files =
        BootFiles { disks: vec![PathBuf::from("/scratch/data.qcow2"), PathBuf::from("/scratch/esp.qcow2")], ..files() };
    insta::assert_snapshot!(render(&command_line(&p, Accel::Tcg, &files)).replace(" -", "\n  -"));
}

/// A test with a `hostile` fixture: the NIC's backend is the fixture's UDP
/// socket pair, never user networking (no forwards either).
#[test]
fn virt_aarch64_hostile_nic() {
    let ws = Workspace::load(&xtask::project::root()).unwrap();
    let p = ws.profile("virt-aarch64").unwrap();
    let files = BootFiles { dgram: Some((40200, 40201)), forwards: Vec::new(), ..files() };
    insta::assert_snapshot!(render(&command_line(&p, Accel::Tcg, &files)).replace(" -", "\n  -"));
}

#[test]
fn linux_x86_64() {
    insta::assert_snapshot!(line("linux-x86_64", Accel::Tcg));
}

#[test]
fn restore_appends_incoming() {
    let ws = Workspace::load(&xtask::project::root()).unwrap();
    let p = ws.profile("linux-aarch64").unwrap();
    let files = BootFiles { incoming: Some(PathBuf::from("/cache/snapshots/k/state.bin")), ..files() };
    let args = command_line(&p, Accel::Tcg, &files);
    assert_eq!(args[args.len() - 2..], ["-incoming", "exec:cat '/cache/snapshots/k/state.bin'"]);
}

#[test]
fn kvm_when_decided() {
    assert!(line("linux-x86_64", Accel::Kvm).contains("-accel kvm"));
}

#[test]
fn serial_console_never_turns_ctrl_c_into_sigint() {
    let l = line("linux-aarch64", Accel::Tcg);
    assert!(l.contains("-chardev stdio,id=con0,signal=off"), "{l}");
    assert!(l.contains("-no-reboot"), "a panic must end QEMU, not loop: {l}");
}

#[test]
fn render_quotes_what_the_shell_would_split() {
    let args: Vec<String> = ["qemu", "-append", "console=ttyS0 quiet", "it's"].iter().map(|s| s.to_string()).collect();
    assert_eq!(render(&args), r"qemu -append 'console=ttyS0 quiet' 'it'\''s'");
}
