//! Keeping the artifact cache bounded: every entry (`<cache>/<kind>/<key>/`)
//! has a sidecar `<key>.used` whose mtime is its last use; `cargo xtask
//! clean` removes the entries unused for a while, then the least recently
//! used ones until the cache fits a size budget.
//!
//! The plan is a pure function of the entries found (tested below); only
//! `scan` and `remove` touch the file system.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Entries used this recently are never removed: a run may be using them
/// right now (a restored guest's disks are backed by its saved state).
pub const MIN_AGE: Duration = Duration::from_secs(3600);

/// Kinds of directories under the cache root that are not entries.
const NOT_ENTRIES: &[&str] = &["tmp"];

/// Records that the entry at `dir` was just used.
pub fn mark_used(dir: &Path) {
    // Best effort: a read-only cache still works, it just cannot be pruned well.
    let _ = fs::File::create(sidecar(dir));
}

fn sidecar(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".used");
    dir.with_file_name(name)
}

#[derive(Debug, Clone, PartialEq)]
pub struct CacheEntry {
    pub path: PathBuf,
    /// `kind/key`, for messages.
    pub name: String,
    pub bytes: u64,
    pub last_used: SystemTime,
}

/// Every entry of the cache at `root`, with its size and last use.
pub fn scan(root: &Path) -> anyhow::Result<Vec<CacheEntry>> {
    let mut out = Vec::new();
    let Ok(kinds) = fs::read_dir(root) else { return Ok(out) };
    for kind in kinds.flatten() {
        let kind_name = kind.file_name().to_string_lossy().into_owned();
        if !kind.file_type()?.is_dir() || kind_name.starts_with('.') || NOT_ENTRIES.contains(&kind_name.as_str()) {
            continue;
        }
        for entry in fs::read_dir(kind.path())?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type()?.is_dir() || name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let last_used = fs::metadata(sidecar(&path))
                .or_else(|_| fs::metadata(&path))
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            out.push(CacheEntry { bytes: tree_size(&path), path, name: format!("{kind_name}/{name}"), last_used });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn tree_size(path: &Path) -> u64 {
    let Ok(meta) = fs::symlink_metadata(path) else { return 0 };
    if !meta.is_dir() {
        return meta.len();
    }
    fs::read_dir(path).map(|d| d.flatten().map(|e| tree_size(&e.path())).sum()).unwrap_or(0)
}

/// What `clean` removes: entries unused for longer than `unused_for`, then,
/// while the rest is larger than `max_bytes`, the least recently used ones;
/// never one used within `MIN_AGE` of `now`.
pub fn plan(entries: &[CacheEntry], now: SystemTime, unused_for: Duration, max_bytes: Option<u64>) -> Vec<CacheEntry> {
    let age = |e: &CacheEntry| now.duration_since(e.last_used).unwrap_or_default();
    let (mut remove, mut keep): (Vec<CacheEntry>, Vec<CacheEntry>) =
        entries.iter().cloned().partition(|e| age(e) > unused_for.max(MIN_AGE));
    if let Some(max) = max_bytes {
        // Oldest first.
        keep.sort_by_key(|e| e.last_used);
        let mut total: u64 = keep.iter().map(|e| e.bytes).sum();
        let mut rest = Vec::new();
        for e in keep {
            if total > max && age(&e) > MIN_AGE {
                total -= e.bytes;
                remove.push(e);
            } else {
                rest.push(e);
            }
        }
    }
    remove.sort_by(|a, b| a.name.cmp(&b.name));
    remove
}

/// Removes one entry and its sidecar.
pub fn remove(entry: &CacheEntry) -> anyhow::Result<()> {
    use anyhow::Context;
    super::cache::make_writable(&entry.path).with_context(|| format!("cannot remove {}", entry.path.display()))?;
    fs::remove_dir_all(&entry.path).with_context(|| format!("cannot remove {}", entry.path.display()))?;
    let _ = fs::remove_file(sidecar(&entry.path));
    Ok(())
}

/// Run directories under `reports` (named `YYYYMMDD-HHMMSS-PID`, so name
/// order is time order) beyond the newest `keep`; never the one `latest`
/// links to.
pub fn old_reports(reports: &Path, keep: usize) -> Vec<PathBuf> {
    let latest = fs::read_link(reports.join("latest")).ok();
    let mut runs: Vec<PathBuf> = fs::read_dir(reports)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .filter(|e| is_run_id(&e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    runs.sort();
    let cut = runs.len().saturating_sub(keep);
    runs.truncate(cut);
    runs.retain(|p| latest.as_deref().is_none_or(|l| p.file_name() != l.file_name()));
    runs
}

/// `20261122-181826-21355`: what `scenario` names a run.
fn is_run_id(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 8
        && parts[1].len() == 6
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `4G`, `500M`, `64K` or plain bytes (binary units).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = digits.parse().map_err(|_| format!("`{text}` is not a size such as 4G, 500M or 1024"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("`{text}`: unknown unit `{unit}` (K, M, G or T)")),
    };
    n.checked_mul(1 << shift).ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    fn entry(name: &str, mib: u64, days_ago: u64, now: SystemTime) -> CacheEntry {
        CacheEntry {
            path: PathBuf::from(name),
            name: name.into(),
            bytes: mib << 20,
            last_used: now - DAY * days_ago as u32,
        }
    }

    fn names(v: &[CacheEntry]) -> Vec<&str> {
        v.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn old_entries_go_then_the_least_recently_used_until_the_budget_fits() {
        let now = SystemTime::UNIX_EPOCH + DAY * 1000;
        let entries = [
            entry("snapshots/a", 500, 30, now),
            entry("snapshots/b", 500, 5, now),
            entry("snapshots/c", 500, 2, now),
            entry("busybox/d", 10, 0, now),
        ];
        assert_eq!(names(&plan(&entries, now, DAY * 14, None)), ["snapshots/a"]);
        assert_eq!(names(&plan(&entries, now, DAY * 14, Some(600 << 20))), ["snapshots/a", "snapshots/b"]);
        // Entries in use this hour stay even over budget.
        assert_eq!(names(&plan(&entries, now, DAY * 14, Some(0))).len(), 3);
    }

    #[test]
    fn old_reports_keep_the_newest_and_latest() {
        let dir = tempfile::tempdir().unwrap();
        for run in ["20261122-100000-1", "20261122-110000-2", "20261122-120000-3", "20261122-130000-4"] {
            fs::create_dir(dir.path().join(run)).unwrap();
        }
        fs::create_dir(dir.path().join("my-notes")).unwrap();
        std::os::unix::fs::symlink("20261122-100000-1", dir.path().join("latest")).unwrap();
        let old: Vec<String> =
            old_reports(dir.path(), 2).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(old, ["20261122-110000-2"], "newest two kept, latest kept, other names untouched");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("500MiB"), Ok(500 << 20));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("4X").is_err());
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn scan_reads_sizes_and_uses_and_skips_scratch() {
        let dir = tempfile::tempdir().unwrap();
        let entry = dir.path().join("busybox/k1");
        fs::create_dir_all(&entry).unwrap();
        fs::write(entry.join("busybox"), vec![0u8; 3000]).unwrap();
        fs::create_dir_all(dir.path().join("tmp/.tmp-x-1")).unwrap();
        fs::create_dir_all(dir.path().join("busybox/.tmp-k2-1")).unwrap();
        mark_used(&entry);
        let found = scan(dir.path()).unwrap();
        assert_eq!(names(&found), ["busybox/k1"]);
        assert_eq!(found[0].bytes, 3000);
        let e = found[0].clone();
        remove(&e).unwrap();
        assert!(!entry.exists() && !dir.path().join("busybox/k1.used").exists());
    }
}
