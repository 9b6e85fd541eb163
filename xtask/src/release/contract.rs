//! The acceptance contract (`contract/contract.json`): for each profile of a
//! bundle, its images' digests, its boot markers in order, and every test of
//! the chosen phases with the status it must have. A validator's returned
//! results are held to it (`results.rs`), and so is `verify --boot`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::sums::bytes_sha256;
use super::BadInput;
use crate::config::{Profile, Scenario};

pub const SCHEMA_VERSION: u32 = 1;
pub const FILE: &str = "contract/contract.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub schema_version: u32,
    /// sha256 over the images' `<sha256>  <path>` lines: which bundle this is.
    /// `BUNDLE-ID` holds the same value for validators to send back.
    pub bundle_id: String,
    pub profiles: Vec<ProfileContract>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileContract {
    pub name: String,
    /// Bundle-relative image path → sha256.
    pub images: BTreeMap<String, String>,
    /// In the order the serial console must show them.
    pub boot_markers: Vec<String>,
    pub phases: Vec<PhaseContract>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseContract {
    pub phase: String,
    pub title: String,
    /// The scenario file inside the bundle.
    pub scenario_file: String,
    pub tests: Vec<TestContract>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestContract {
    pub name: String,
    pub expected: Expected,
    /// Why a test is expected to be skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Passed,
    Skipped,
}

impl Expected {
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Passed => "passed",
            Expected::Skipped => "skipped",
        }
    }
}

/// The id of a set of images: sha256 of their sorted `<sha256>  <path>` lines.
pub fn bundle_id(images: &BTreeMap<String, String>) -> String {
    bytes_sha256(super::sums::render(images).as_bytes())
}

/// Builds the contract. `images[i]` are profile `i`'s images; the scenario
/// files sit at `contract/scenarios/<phase>.yaml`. A test is expected to
/// pass unless the profile lacks a capability it requires (the runner then
/// skips it, on every machine).
pub fn build(profiles: &[(&Profile, BTreeMap<String, String>)], scenarios: &[Scenario]) -> Contract {
    let mut all = BTreeMap::new();
    for (_, images) in profiles {
        all.extend(images.clone());
    }
    Contract {
        schema_version: SCHEMA_VERSION,
        bundle_id: bundle_id(&all),
        profiles: profiles
            .iter()
            .map(|(p, images)| ProfileContract {
                name: p.name.clone(),
                images: images.clone(),
                boot_markers: p.boot_markers.clone(),
                phases: scenarios
                    .iter()
                    .map(|s| PhaseContract {
                        phase: s.phase.clone(),
                        title: s.title.clone(),
                        scenario_file: scenario_file(&s.phase),
                        tests: s
                            .tests
                            .iter()
                            .map(|t| {
                                let missing = s.requires.iter().chain(&t.requires).find(|c| !p.has_capability(c));
                                TestContract {
                                    name: t.name.clone(),
                                    expected: if missing.is_some() { Expected::Skipped } else { Expected::Passed },
                                    reason: missing.map(|c| format!("profile `{}` lacks capability `{c}`", p.name)),
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

pub fn scenario_file(phase: &str) -> String {
    format!("contract/scenarios/{phase}.yaml")
}

pub fn profile_file(name: &str) -> String {
    format!("contract/profiles/{name}.yaml")
}

pub fn render(contract: &Contract) -> String {
    let mut s = serde_json::to_string_pretty(contract).expect("the contract serialises");
    s.push('\n');
    s
}

pub fn parse(text: &str) -> Result<Contract, BadInput> {
    let c: Contract = serde_json::from_str(text).map_err(|e| BadInput(format!("{FILE}: {e}")))?;
    if c.schema_version != SCHEMA_VERSION {
        return Err(BadInput(format!(
            "{FILE}: schema_version {} is not supported (this xtask reads {SCHEMA_VERSION})",
            c.schema_version
        )));
    }
    Ok(c)
}

/// Mismatches between the contract's image digests and the bundle's sums
/// (a contract copied from another bundle names other digests).
pub fn check_images(contract: &Contract, sums: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut all = BTreeMap::new();
    for p in &contract.profiles {
        for (path, sum) in &p.images {
            all.insert(path.clone(), sum.clone());
            match sums.get(path) {
                None => out.push(format!("{FILE}: profile `{}` names {path}, which SHA256SUMS does not list", p.name)),
                Some(s) if s != sum => out.push(format!(
                    "{FILE}: profile `{}` expects {path} with sha256 {sum}, the bundle's is {s} (a contract for another bundle?)",
                    p.name
                )),
                Some(_) => {}
            }
        }
    }
    let id = bundle_id(&all);
    if id != contract.bundle_id {
        out.push(format!("{FILE}: bundle_id is {}, but its images give {id}", contract.bundle_id));
    }
    out
}
