//! Per-guest writable disks: qcow2 overlays over read-only backing images,
//! so a cached image (or a saved state's disks) is never written and
//! creating a test's disks costs milliseconds, not a copy.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// Creates `overlay` (qcow2) backed by `base`; `base_format` is `raw` or `qcow2`.
pub fn overlay(base: &Path, base_format: &str, overlay: &Path) -> anyhow::Result<PathBuf> {
    let base = base.canonicalize().with_context(|| format!("disk image {}", base.display()))?;
    let out = duct::cmd!("qemu-img", "create", "-q", "-f", "qcow2", "-F", base_format, "-b", &base, overlay)
        .stderr_to_stdout()
        .stdout_capture()
        .unchecked()
        .run()
        .context("running qemu-img (package qemu-utils)")?;
    if !out.status.success() {
        bail!("qemu-img create {} failed: {}", overlay.display(), String::from_utf8_lossy(&out.stdout).trim());
    }
    Ok(overlay.to_path_buf())
}
