//! Release engineering: signed, reproducible image bundles anyone can
//! verify offline (docs/RELEASE.md).
//!
//! Pure builders (tested on the host): `sums` (SHA256SUMS), `sbom`
//! (CycloneDX), `provenance` (in-toto + SLSA), `contract` (what must pass),
//! `results` (returned results against the contract), `runbook` (run scripts,
//! RUNBOOK.md), `diff` (where two builds differ). Around them: `gather`
//! (git, lock files, tool versions), `bundle` (writing, signing, archiving),
//! `sign` (minisign through the `minisign` crate), `verify` (static checks).

pub mod boot;
pub mod bundle;
pub mod contract;
pub mod diff;
pub mod gather;
pub mod info;
pub mod provenance;
pub mod rebuild;
pub mod results;
pub mod runbook;
pub mod sbom;
pub mod sign;
pub mod sums;
pub mod verify;

/// Bad input to a release command (a missing or malformed file, a dirty
/// tree, an existing output): exit code 2, nothing written.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);
