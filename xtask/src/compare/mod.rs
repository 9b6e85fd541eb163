//! Linux as an oracle: compare the runs of the same scenarios on a reference profile (stock
//! Linux) and a candidate profile (our kernel), step by step.
//!
//! `diff::compare` is pure (two [`input::Run`]s and two profile names in, a
//! [`diff::Comparison`] out); `render` and `html` turn it into the terminal table,
//! `compare.json` and `compare.html`. Only `load` and `write` touch the file system. The
//! verdict rules and the `compare.json` schema are in docs/REPORTS.md.

pub mod diff;
mod html;
pub mod input;
mod normalise;
pub mod render;
pub mod verdict;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use self::diff::{compare, Comparison};
pub use self::input::Run;

/// Name of the comparison files: `<stem>.json` and `<stem>.html`.
pub const FILE_STEM: &str = "compare";

/// Bad input to a comparison; the command exits 2.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("failed to read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("failed to read {}: {reason}", path.display())]
    Parse { path: PathBuf, reason: String },
    #[error("profile `{profile}` is not in {} (profiles there: {known})", path.display())]
    NoProfile { path: PathBuf, profile: String, known: String },
    #[error("no phase ran on both `{reference}` ({}) and `{candidate}` ({})", reference_file.display(), candidate_file.display())]
    NoCommonPhase { reference: String, reference_file: PathBuf, candidate: String, candidate_file: PathBuf },
    #[error("--oracle {0} needs another profile to compare with it (add --profile)")]
    NoCandidate(String),
    #[error("the reference and the candidate are both `{0}`: name two profiles, or give two reports")]
    SameProfile(String),
}

/// A loaded report: the run and the directory comparisons are written to.
#[derive(Debug)]
pub struct Loaded {
    pub run: Run,
    pub file: PathBuf,
    pub dir: PathBuf,
}

/// Reads a `report.json`, given either the file or a report directory holding one.
pub fn load(path: &Path) -> Result<Loaded, CompareError> {
    let file = if path.is_dir() { path.join(crate::report::JSON_FILE) } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&file).map_err(|source| CompareError::Read { path: file.clone(), source })?;
    let run = Run::from_json(&text).map_err(|reason| CompareError::Parse { path: file.clone(), reason })?;
    let dir = file.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    Ok(Loaded { run, file, dir })
}

/// Fails unless `run` (read from `path`) has suites of `profile`.
pub fn check_profile(run: &Run, path: &Path, profile: &str) -> Result<(), CompareError> {
    if run.has_profile(profile) {
        return Ok(());
    }
    let known = run.profiles();
    Err(CompareError::NoProfile {
        path: path.to_path_buf(),
        profile: profile.to_owned(),
        known: if known.is_empty() { "none".to_owned() } else { known.join(", ") },
    })
}

/// Writes `<stem>.json` and `<stem>.html` into `dir`, each atomically.
pub fn write(dir: &Path, stem: &str, c: &Comparison) -> anyhow::Result<(PathBuf, PathBuf)> {
    let json = dir.join(format!("{stem}.json"));
    let page = dir.join(format!("{stem}.html"));
    crate::report::write_atomic(&json, render::json(c).as_bytes())?;
    crate::report::write_atomic(&page, html::render(c).as_bytes())?;
    Ok((json, page))
}
