//! `cargo xtask verify BUNDLE`: offline checks, each printed by name as
//! PASS/FAIL/SKIP. Exit 0 when nothing failed, 1 when a check failed (each
//! problem names the file and what differs), 2 for bad input.

use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_TEST_FAILED};
use crate::cli::VerifyArgs;
use crate::release::verify::{check_bundle, Check, Verdict};
use crate::release::{boot, rebuild, results, sign, BadInput};

pub fn run(args: VerifyArgs) -> anyhow::Result<i32> {
    let pubkey = args.pubkey.as_deref().map(sign::load_public_key).transpose()?;
    let _unpacked;
    let dir: PathBuf = if args.bundle.is_file() && args.bundle.to_string_lossy().ends_with(".tar.gz") {
        let (tmp, dir) = unpack(&args.bundle)?;
        _unpacked = tmp;
        dir
    } else if args.bundle.is_dir() {
        args.bundle.clone()
    } else {
        return Err(BadInput(format!("{}: not a bundle directory or .tar.gz", args.bundle.display())).into());
    };
    if let Some(r) = &args.results {
        if !r.is_dir() {
            return Err(BadInput(format!("{}: no such results directory", r.display())).into());
        }
    }
    eprintln!("verifying {}", args.bundle.display());
    let st = check_bundle(&dir, pubkey.as_ref());
    let mut checks = st.checks;
    let intact = !checks.iter().any(Check::failed);
    for c in &checks {
        println!("{}", c.render());
    }
    let mut more = |c: Check| {
        println!("{}", c.render());
        checks.push(c);
    };
    if let Some(r) = &args.results {
        let verdict = match &st.contract {
            None => Verdict::Fail(vec!["no readable contract to hold the results to".into()]),
            Some(c) => {
                let names: Vec<String> = c.profiles.iter().map(|p| p.name.clone()).collect();
                let ev = results::read_dir(r, &names)?;
                let problems = results::check(c, &ev);
                if problems.is_empty() {
                    Verdict::Pass(format!("{} meet the contract", ev.sources.join(", ")))
                } else {
                    Verdict::Fail(problems)
                }
            }
        };
        more(Check { name: "results", verdict });
    }
    if args.boot {
        let verdict = match (&st.contract, intact) {
            (Some(c), true) => boot::boot_and_check(&dir, c, args.report_dir.as_deref(), args.jobs.map(usize::from))?,
            _ => Verdict::Fail(vec!["not booted: the static checks above failed".into()]),
        };
        more(Check { name: "boot", verdict });
    }
    if args.rebuild {
        let verdict = match intact {
            true => rebuild::rebuild_and_compare(&dir)?,
            false => Verdict::Fail(vec!["not rebuilt: the static checks above failed".into()]),
        };
        more(Check { name: "rebuild", verdict });
    }
    let failed = checks.iter().filter(|c| c.failed()).count();
    if failed == 0 {
        eprintln!("verify: all {} checks passed or were skipped", checks.len());
        Ok(EXIT_OK)
    } else {
        eprintln!("verify: {failed} of {} checks FAILED", checks.len());
        Ok(EXIT_TEST_FAILED)
    }
}

/// Unpacks `NAME.tar.gz` into a temporary directory; returns it and the bundle inside.
fn unpack(archive: &Path) -> anyhow::Result<(tempfile::TempDir, PathBuf)> {
    let tmp = tempfile::Builder::new().prefix("xtask-verify-").tempdir()?;
    let file = std::fs::File::open(archive).map_err(|e| BadInput(format!("{}: {e}", archive.display())))?;
    // tar's unpack refuses entries that would land outside the directory.
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(tmp.path())
        .map_err(|e| BadInput(format!("{}: cannot unpack: {e}", archive.display())))?;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(tmp.path())?.flatten().map(|e| e.path()).collect();
    match (dirs.pop(), dirs.is_empty()) {
        (Some(d), true) if d.is_dir() => Ok((tmp, d)),
        _ => Err(BadInput(format!("{}: expected one bundle directory inside", archive.display())).into()),
    }
}
