//! `rootfs/busybox.yaml`: the pinned BusyBox source (a Debian source package
//! by exact version and `.dsc` sha256), read like every other config file:
//! unknown keys and bad values are errors with file, line and key.

use std::path::Path;

use serde::Deserialize;

use super::error::ConfigError;
use super::parse::{Checker, Source};

/// Where the pin lives, relative to the workspace root.
pub const BUSYBOX_PIN_FILE: &str = "rootfs/busybox.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPin {
    package: String,
    version: String,
    dsc_sha256: String,
}

/// The BusyBox source pin, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusyboxPin {
    /// Debian source package name.
    pub package: String,
    /// Exact Debian version, epoch included (`1:1.35.0-4+deb12u1`).
    pub version: String,
    /// sha256 of the `.dsc` (lowercase hex), which pins every other file of the package.
    pub dsc_sha256: String,
}

impl BusyboxPin {
    /// The upstream part of the version: `1:1.35.0-4+deb12u1` gives `1.35.0`.
    pub fn upstream_version(&self) -> &str {
        let v = self.version.split_once(':').map_or(self.version.as_str(), |(_, v)| v);
        v.rsplit_once('-').map_or(v, |(u, _)| u)
    }

    /// The `.dsc` file name apt writes: the version without its epoch.
    pub fn dsc_name(&self) -> String {
        let v = self.version.split_once(':').map_or(self.version.as_str(), |(_, v)| v);
        format!("{}_{v}.dsc", self.package)
    }
}

pub fn load_busybox_pin(path: &Path) -> Result<BusyboxPin, ConfigError> {
    let source = Source::read(path)?;
    let raw: RawPin = source.deserialize()?;
    let mut check = Checker::new(&source);
    let name_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if !name_ok(&raw.package) {
        check.error("package", format!("`{}` is not a Debian source package name", raw.package));
    }
    // Debian versions: [epoch:]upstream[-revision], no spaces.
    if raw.version.is_empty() || raw.version.contains(char::is_whitespace) {
        check.error("version", format!("`{}` is not a Debian version", raw.version));
    }
    if raw.dsc_sha256.len() != 64 || !raw.dsc_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        check.error("dsc_sha256", "must be 64 hex digits (the sha256 of the package's .dsc)");
    }
    check.finish()?;
    Ok(BusyboxPin { package: raw.package, version: raw.version, dsc_sha256: raw.dsc_sha256.to_ascii_lowercase() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<BusyboxPin, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("busybox.yaml");
        std::fs::write(&path, text).unwrap();
        load_busybox_pin(&path).map_err(|e| e.to_string().replace(&dir.path().display().to_string(), "DIR"))
    }

    #[test]
    fn names_the_line_and_key_of_a_bad_pin() {
        let good = "package: busybox\nversion: \"1:1.35.0-4+deb12u1\"\ndsc_sha256: ";
        let pin = load(&format!("{good}{}\n", "A".repeat(64))).unwrap();
        assert_eq!((pin.upstream_version(), pin.dsc_name().as_str()), ("1.35.0", "busybox_1.35.0-4+deb12u1.dsc"));
        assert_eq!(pin.dsc_sha256, "a".repeat(64));
        assert_eq!(
            load(&format!("{good}abc\n")).unwrap_err(),
            "DIR/busybox.yaml:3:1 (key `dsc_sha256`): must be 64 hex digits (the sha256 of the package's .dsc)"
        );
        let unknown = load(&format!("{good}{}\nmirror: x\n", "a".repeat(64))).unwrap_err();
        assert!(unknown.starts_with("DIR/busybox.yaml:4:1: unknown key `mirror`"), "{unknown}");
    }
}
