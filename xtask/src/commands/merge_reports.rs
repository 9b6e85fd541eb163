//! `cargo xtask merge-reports DIR... --out DIR`: joins the runs of a sharded
//! (or per-profile) CI matrix into one run with one `events.jsonl`,
//! `junit.xml`, `index.html` and `report.json` (see `report::merge`). The
//! shards' transcripts and serial logs are copied next to them, so the merged
//! report's links work.

use std::path::Path;

use anyhow::Context as _;

use crate::cli::MergeReportsArgs;
use crate::error::{Error, Exit, Result};
use crate::report::{self, merge};

pub fn run(args: MergeReportsArgs) -> Result<Exit> {
    let mut inputs = Vec::new();
    for dir in &args.dirs {
        let file = dir.join(report::EVENTS_FILE);
        if !file.is_file() {
            return Err(Error::bad_input(format!(
                "{}: no {} (not a run directory)",
                dir.display(),
                report::EVENTS_FILE
            )));
        }
        let events = report::load_events(&file).map_err(|e| Error::bad_input(format!("{e:#}")))?;
        if same_dir(dir, &args.out) {
            return Err(Error::bad_input(format!("--out {} is one of the runs being merged", args.out.display())));
        }
        inputs.push(merge::Input { dir: dir.clone(), events });
    }
    let started_unix =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let run_id = args.out.file_name().map_or_else(|| "merged".to_string(), |n| n.to_string_lossy().into_owned());
    let merged = merge::merge(&inputs, &run_id, started_unix, std::env::args().collect())
        .map_err(|e| Error::bad_input(e.to_string()))?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    for input in &inputs {
        copy_run_files(&input.dir, &args.out)?;
    }
    let out = args.out.clone();
    let written = report::write_all(&args.out, &merged.events, &|rel| {
        crate::console::transcript::plain_text(&out.join(rel)).ok()
    })?;
    for shard in &merged.missing_shards {
        eprintln!("warning: shard {shard} is missing");
    }
    for test in &merged.missing {
        eprintln!("not run: {test} (no shard reported it)");
    }
    let summary = report::RunReport::from_events(&merged.events);
    let c = &summary.counts;
    eprintln!(
        "merged {} run(s): {} passed, {} failed, {} skipped\nreports: {}\n         {}\n         {}",
        inputs.len(),
        c.passed,
        c.failed,
        c.skipped,
        written.html.display(),
        written.junit.display(),
        written.json.display()
    );
    Ok(if c.failed > 0 {
        Exit::TestFailed
    } else if c.passed == 0 {
        eprintln!("error: no test ran in any of the merged runs");
        Exit::NoTestsRan
    } else {
        Exit::Success
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies a run's per-test files (transcripts, serial logs, under
/// `<profile>/<phase>/`) into `out`; the run-wide reports are rendered anew.
fn copy_run_files(from: &Path, out: &Path) -> Result<()> {
    let top_level = [report::EVENTS_FILE, report::JUNIT_FILE, report::HTML_FILE, report::JSON_FILE];
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &out.join(&name))?;
        } else if !top_level.iter().any(|t| name == *t) && !name.to_string_lossy().starts_with("compare") {
            std::fs::copy(entry.path(), out.join(&name))
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}
