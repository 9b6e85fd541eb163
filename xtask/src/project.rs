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
