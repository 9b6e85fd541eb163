//! Where things live: the workspace root and the output directories.

use std::path::{Path, PathBuf};

/// The workspace root (the parent of the `xtask` crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits inside the workspace").to_path_buf()
}

/// The artifact cache: `$XTASK_CACHE_DIR`, else `<root>/.cache/xtask`.
pub fn cache_dir(root: &Path) -> PathBuf {
    std::env::var_os("XTASK_CACHE_DIR").map(PathBuf::from).unwrap_or_else(|| root.join(".cache").join("xtask"))
}

/// Where run reports go: `$XTASK_REPORTS_DIR`, else `<root>/reports`.
pub fn reports_dir(root: &Path) -> PathBuf {
    std::env::var_os("XTASK_REPORTS_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("reports"))
}

/// Prefix of per-run scratch directories in the system temporary directory:
/// `xtask-<kind>-<pid>-<random>`, so a later run can tell a live run's
/// directory from one a killed run left behind.
const SCRATCH_PREFIX: &str = "xtask-";

/// A per-run scratch directory (QMP sockets, overlays, saved states):
/// private to the user (0700), removed when dropped; one that a SIGKILLed
/// run leaves behind is removed by the next run (`remove_stale_scratch`).
pub fn scratch_dir(kind: &str) -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    remove_stale_scratch(&std::env::temp_dir());
    tempfile::Builder::new()
        .prefix(&format!("{SCRATCH_PREFIX}{kind}-{}-", std::process::id()))
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
}

/// Removes scratch directories of runs that are gone: named with a pid that
/// no longer runs, and owned by this user. Returns what was removed.
pub fn remove_stale_scratch(temp: &Path) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let uid = own_uid();
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(temp) else { return removed };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = scratch_pid(&name) else { continue };
        let Ok(meta) = entry.path().symlink_metadata() else { continue };
        if !meta.is_dir() || meta.uid() != uid || Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        if std::fs::remove_dir_all(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

/// The pid in `xtask-<kind>-<pid>-<random>`.
fn scratch_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(SCRATCH_PREFIX)?;
    let mut parts = rest.splitn(3, '-');
    let (_kind, pid, _random) = (parts.next()?, parts.next()?, parts.next()?);
    pid.parse().ok()
}

/// This process's uid, from the owner of `/proc/self` (no libc call needed).
fn own_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_is_private_and_stale_ones_go() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch_dir("test").unwrap();
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let temp = tempfile::tempdir().unwrap();
        // Above the largest pid_max (2^22): a killed run's leftover.
        let stale = temp.path().join("xtask-run-4194305-abc");
        let live = temp.path().join(format!("xtask-run-{}-abc", std::process::id()));
        let other = temp.path().join("xtask-notes");
        for d in [&stale, &live, &other] {
            std::fs::create_dir(d).unwrap();
        }
        assert_eq!(remove_stale_scratch(temp.path()), std::slice::from_ref(&stale));
        assert!(!stale.exists() && live.exists() && other.exists());
    }
}
