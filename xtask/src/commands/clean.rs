//! `cargo xtask clean`: keeps the artifact cache bounded (see
//! `artifacts::prune`): entries unused for `--unused-for` days go, then the
//! least recently used until it fits `--max-size`.

use std::time::{Duration, SystemTime};

use crate::artifacts::prune;
use crate::cli::CleanArgs;
use crate::error::{Error, Exit, Result};

pub fn run(args: CleanArgs) -> Result<Exit> {
    let max_bytes = match args.max_size.as_deref().map(prune::parse_size).transpose() {
        Ok(m) => m,
        Err(e) => return Err(Error::bad_input(format!("--max-size {e}"))),
    };
    let root = crate::project::cache_dir(&crate::project::root());
    let entries = prune::scan(&root)?;
    let unused_for = Duration::from_secs(u64::from(args.unused_for) * 86_400);
    let doomed = prune::plan(&entries, SystemTime::now(), unused_for, max_bytes);
    let reports = match args.keep_reports {
        Some(keep) => prune::old_reports(&crate::project::reports_dir(&crate::project::root()), keep),
        None => Vec::new(),
    };
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    let total: u64 = entries.iter().map(|e| e.bytes).sum();
    let freed: u64 = doomed.iter().map(|e| e.bytes).sum();
    // Scratch directories of killed runs (a run removes them too when it starts).
    let scratch = if args.dry_run { Vec::new() } else { crate::project::remove_stale_scratch(&std::env::temp_dir()) };
    if !args.dry_run {
        for e in &doomed {
            prune::remove(e)?;
        }
        for r in &reports {
            std::fs::remove_dir_all(r).map_err(|e| anyhow::anyhow!("cannot remove {}: {e}", r.display()))?;
        }
    }
    if args.json.json {
        let removed: Vec<_> = doomed.iter().map(|e| serde_json::json!({"entry": e.name, "bytes": e.bytes})).collect();
        let out = serde_json::json!({
            "cache": root,
            "dry_run": args.dry_run,
            "removed": removed,
            "freed_bytes": freed,
            "kept_entries": entries.len() - doomed.len(),
            "kept_bytes": total - freed,
            "removed_reports": reports,
            "removed_scratch": scratch,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(Exit::Success);
    }
    let verb = if args.dry_run { "would remove" } else { "removed" };
    for e in &doomed {
        println!("{verb} {:>9.1} MiB  {}", mib(e.bytes), e.name);
    }
    for r in &reports {
        println!("{verb} report {}", r.display());
    }
    for s in &scratch {
        println!("removed scratch directory of a killed run {}", s.display());
    }
    println!(
        "{}: {verb} {} entries ({:.1} MiB); kept {} entries ({:.1} MiB)",
        root.display(),
        doomed.len(),
        mib(freed),
        entries.len() - doomed.len(),
        mib(total - freed)
    );
    Ok(Exit::Success)
}
