//! `cargo xtask validate`: parse and check YAML without booting anything.

use std::path::{Path, PathBuf};

use super::{workspace, EXIT_BAD_INPUT, EXIT_OK};
use crate::cli::ValidateArgs;
use crate::config::{load_scenario, ConfigError, Workspace};

pub fn run(args: ValidateArgs) -> anyhow::Result<i32> {
    let root = crate::project::root();
    let ws = workspace()?;
    let files: Vec<PathBuf> = if args.files.is_empty() {
        let mut all: Vec<PathBuf> =
            ws.profile_names().iter().map(|n| ws.profiles_dir().join(format!("{n}.yaml"))).collect();
        all.extend(ws.scenario_files());
        all.extend(contract_files(&root));
        all
    } else {
        args.files.clone()
    };
    let mut errors = 0;
    for file in &files {
        match check(&ws, &root, file) {
            Ok(what) => println!("ok    {} ({what})", file.display()),
            Err(e) => {
                errors += 1;
                eprintln!("error: {e}");
            }
        }
    }
    println!("{} file(s) checked, {errors} with errors", files.len());
    Ok(if errors > 0 { EXIT_BAD_INPUT } else { EXIT_OK })
}

/// The report contracts of `contracts/`, sorted.
fn contract_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(CONTRACTS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// Where report contracts live (`contract` steps name them relative to the root).
const CONTRACTS_DIR: &str = "contracts";

/// Checks one file: a profile when it sits in `profiles/`, a report contract
/// in `contracts/`, else a scenario.
fn check(ws: &Workspace, root: &Path, file: &Path) -> Result<String, ConfigError> {
    let abs = if file.is_absolute() {
        file.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_else(|_| root.to_path_buf()).join(file)
    };
    if !abs.exists() {
        return Err(ConfigError::Read(file.to_path_buf(), std::io::Error::from(std::io::ErrorKind::NotFound)));
    }
    let in_profiles = abs.parent().and_then(|p| p.canonicalize().ok()) == ws.profiles_dir().canonicalize().ok();
    if in_profiles {
        let name = abs.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        Ok(match ws.check_profile(name)? {
            Some(p) => format!("profile {}, {} {}", p.name, p.arch.name(), p.qemu.machine),
            None => format!("abstract profile {name}"),
        })
    } else if abs.parent().and_then(|p| p.canonicalize().ok()) == root.join(CONTRACTS_DIR).canonicalize().ok() {
        let c = crate::config::load_contract(&abs)?;
        Ok(format!("report contract, {} keys", c.keys.len()))
    } else {
        let s = load_scenario(&abs)?;
        Ok(format!("scenario {}, {} tests", s.phase, s.tests.len()))
    }
}
