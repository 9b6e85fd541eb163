//! `cargo xtask build`: build the artifacts of profiles and print their paths.

use serde_json::json;

use super::{selected_profiles, workspace};
use crate::artifacts;
use crate::cli::BuildArgs;
use crate::error::{Exit, Result};

pub fn run(args: BuildArgs) -> Result<Exit> {
    let ws = workspace()?;
    let profiles = selected_profiles(&ws, &args.profiles)?;
    let mut out = Vec::new();
    for p in &profiles {
        let quiet = args.json.json;
        let a = artifacts::build_all(&ws, p, &mut |line: &str| {
            if !quiet {
                eprintln!("  {line}");
            }
        })?;
        out.push(json!({
            "profile": p.name,
            "kernel": a.kernel,
            "initrd": a.initrd,
            "disks": a.disks.iter().map(|d| json!({"name": d.name, "path": d.path})).collect::<Vec<_>>(),
            "key": a.key,
            "built": a.built.iter().map(|b| json!({"name": b.name, "path": b.path, "cached": b.cached, "seconds": b.seconds})).collect::<Vec<_>>(),
        }));
        if !quiet {
            println!("{}:", p.name);
            println!("  kernel  {}", a.kernel.display());
            if let Some(i) = &a.initrd {
                println!("  initrd  {}", i.display());
            }
            for d in &a.disks {
                println!("  disk    {} {}", d.name, d.path.display());
            }
        }
    }
    if args.json.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(Exit::Success)
}
