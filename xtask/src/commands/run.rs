//! `cargo xtask run`: boot a profile with the serial console on this
//! terminal. QEMU's own `-serial mon:stdio` multiplexer handles the keys:
//! Ctrl-A x quits, Ctrl-A c switches to the monitor.

use super::workspace;
use crate::artifacts;
use crate::cli::RunArgs;
use crate::config::Network;
use crate::error::{Exit, Result};
use crate::qemu::{accel, cmdline};

pub fn run(args: RunArgs) -> Result<Exit> {
    let ws = workspace()?;
    let name = args.profile.unwrap_or_else(|| ws.default_profile.clone());
    let profile = ws.profile(&name)?;
    let a = artifacts::build_all(&ws, &profile, &mut |line: &str| eprintln!("  {line}"))?;
    let scratch = crate::project::scratch_dir("run")?;
    let mut disks = Vec::new();
    for d in &a.disks {
        disks.push(crate::qemu::disks::overlay(&d.path, "raw", &scratch.path().join(format!("{}.qcow2", d.name)))?);
    }
    let forwards: Vec<(u16, u16)> = match &profile.network {
        Network::User { forwards } => forwards.iter().map(|g| (*g + 10000, *g)).collect(),
        Network::None => Vec::new(),
    };
    let files = cmdline::BootFiles {
        kernel: a.kernel.clone(),
        initrd: a.initrd.clone(),
        disks,
        incoming: None,
        qmp: None,
        forwards: forwards.clone(),
        dgram: None,
        vars: match profile.uefi() {
            Some(u) => Some(crate::qemu::disks::overlay(&u.vars, "raw", &scratch.path().join("efivars.qcow2"))?),
            None => None,
        },
    };
    let (accel, why) = accel::decide(&profile, &files, scratch.path());
    let mut args = cmdline::command_line(&profile, accel, &files);
    // Swap the piped console for an interactive one with QEMU's multiplexer.
    if let Some(i) = args.iter().position(|a| a == "stdio,id=con0,signal=off") {
        args[i] = "stdio,id=con0,mux=on,signal=off".into();
        args.extend(["-mon".to_string(), "chardev=con0,mode=readline".to_string()]);
    }
    eprintln!("booting {} ({why}); Ctrl-A x quits, Ctrl-A c toggles the QEMU monitor", profile.name);
    for (host, guest) in &forwards {
        eprintln!("forward: 127.0.0.1:{host} -> guest port {guest}");
    }
    eprintln!("{}", cmdline::render(&args));
    // QEMU stays in our process group: it must own the terminal to read it.
    let status = duct::cmd(&args[0], &args[1..]).unchecked().run();
    // The terminal was QEMU's: give it back in a sane state.
    let _ = duct::cmd!("stty", "sane").unchecked().run();
    Ok(status?.status.code().map_or(Exit::Success, Exit::Child))
}
