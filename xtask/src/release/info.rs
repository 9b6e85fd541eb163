//! What a release is made of: the facts the SBOM and the provenance are
//! built from. Gathered once by `gather.rs` (git, lock files, host tools);
//! the builders (`sbom.rs`, `provenance.rs`) are pure functions of it.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseInfo {
    pub source: Source,
    /// Lock files of the workspace (`Cargo.lock`, `kernel/Cargo.lock`).
    pub locks: Vec<LockFile>,
    /// Debian packages that went into the images or built them.
    pub debian: Vec<DebPackage>,
    /// Tools that built the images: name and the version they report.
    pub tools: Vec<ToolVersion>,
    pub profiles: Vec<ProfileRecord>,
    /// Phases whose scenarios make the acceptance contract.
    pub phases: Vec<String>,
    /// Every image in the bundle, sorted by path.
    pub images: Vec<ImageFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub commit: String,
    /// The work tree had changes (`--allow-dirty`).
    pub dirty: bool,
    /// The commit time: the bundle's own timestamps (archive, SBOM).
    pub source_date_epoch: u64,
    /// The fixed epoch inside the images (`artifacts::SOURCE_DATE_EPOCH`).
    pub image_epoch: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockFile {
    /// Workspace-relative path.
    pub path: String,
    pub sha256: String,
    pub packages: Vec<Crate>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Crate {
    pub name: String,
    pub version: String,
    /// `registry+https://...`, `git+...`, or `None` for a workspace member.
    pub source: Option<String>,
    /// The registry's sha256 of the `.crate`.
    pub checksum: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DebPackage {
    pub name: String,
    pub version: String,
    /// `arm64`, `amd64`, `all`, or `source`.
    pub arch: String,
    /// What it is for, e.g. `kernel of linux-aarch64`, `BusyBox source`, `toolchain`.
    pub role: String,
    /// sha256 of the `.deb` (or the `.dsc` of a source package), when known.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolVersion {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProfileRecord {
    pub name: String,
    /// The profile files of its `inherits` chain: bundle path → sha256.
    pub files: Vec<(String, String)>,
    /// The resolved profile, paths relative to the workspace.
    pub resolved: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageFile {
    pub profile: String,
    /// `kernel`, `initrd` or `disk:<name>`.
    pub role: String,
    /// Bundle-relative path.
    pub path: String,
    pub sha256: String,
    pub size: u64,
}
