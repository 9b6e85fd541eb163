//! Reports derived from the event log.
//!
//! `model::RunReport::from_events` folds the log once; `junit`, `html` and `json` render that
//! model with pure functions. `write_all` is the only part that touches the file system. The
//! formats are documented in `docs/REPORTS.md`.

mod fold;
pub mod html;
pub mod json;
pub mod junit;
pub mod merge;
pub mod model;
pub(crate) mod text;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

pub use self::model::RunReport;
use crate::event::Event;

pub const JUNIT_FILE: &str = "junit.xml";
pub const HTML_FILE: &str = "index.html";
pub const JSON_FILE: &str = "report.json";
pub const EVENTS_FILE: &str = "events.jsonl";

/// Paths of the files written by `write_all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenReports {
    pub junit: PathBuf,
    pub html: PathBuf,
    pub json: PathBuf,
    pub events: PathBuf,
}

/// Writes `events.jsonl`, `junit.xml`, `index.html` and `report.json` into `dir` (created if
/// needed). `transcripts` is called with each test's transcript path, as recorded in the log,
/// and returns its plain text (or `None` when it can't be read). Each file is written to a
/// temporary file in `dir` and renamed into place, so a reader never sees half a report.
pub fn write_all(
    dir: &Path,
    events: &[Event],
    transcripts: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<WrittenReports> {
    fs::create_dir_all(dir).with_context(|| format!("failed to create report directory {}", dir.display()))?;
    let mut report = RunReport::from_events(events);
    report.attach_transcripts(transcripts);

    let written = WrittenReports {
        junit: dir.join(JUNIT_FILE),
        html: dir.join(HTML_FILE),
        json: dir.join(JSON_FILE),
        events: dir.join(EVENTS_FILE),
    };
    write_atomic(&written.events, events_jsonl(events)?.as_bytes())?;
    write_atomic(&written.junit, junit::render(&report).as_bytes())?;
    write_atomic(&written.json, json::render(&report).as_bytes())?;
    write_atomic(&written.html, html::render(&report).as_bytes())?;
    Ok(written)
}

/// Reads an `events.jsonl` log. Blank lines are ignored. A final line without a newline that
/// does not parse is ignored too: it is the half-written record of a run that was killed.
pub fn load_events(path: &Path) -> anyhow::Result<Vec<Event>> {
    let text = fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
    parse_events(&text).with_context(|| format!("failed to parse {}", path.display()))
}

fn parse_events(text: &str) -> anyhow::Result<Vec<Event>> {
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    let mut events = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(event) => events.push(event),
            Err(_) if !complete && i + 1 == lines.len() => break,
            Err(e) => return Err(anyhow::format_err!("line {}: {e}", i + 1)),
        }
    }
    Ok(events)
}

fn events_jsonl(events: &[Event]) -> anyhow::Result<String> {
    let mut out = String::new();
    for event in events {
        out.push_str(&serde_json::to_string(event).context("failed to serialize an event")?);
        out.push('\n');
    }
    Ok(out)
}

pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    // Reports are meant to be read by others (CI artifacts, web servers): not tempfile's 0600.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp =
        builder.tempfile_in(dir).with_context(|| format!("failed to create a temporary file in {}", dir.display()))?;
    tmp.write_all(contents).with_context(|| format!("failed to write {}", tmp.path().display()))?;
    tmp.as_file().sync_all().with_context(|| format!("failed to sync {}", tmp.path().display()))?;
    tmp.persist(path).with_context(|| format!("failed to rename into {}", path.display()))?;
    Ok(())
}
