//! The workspace's config layout: `xtask.yaml`, `profiles/`, `scenarios/`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::ConfigError;
use super::parse::Source;
use super::profile::Profile;
use super::resolve_profile::{check_profile, load_profile, profile_names};
use super::resolve_scenario::load_scenario;
use super::scenario::Scenario;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkspace {
    /// Profile used when a command gets no `--profile`.
    default_profile: String,
    /// Profiles `--all-profiles` runs (CI's matrix).
    all_profiles: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub default_profile: String,
    pub all_profiles: Vec<String>,
}

impl Workspace {
    pub fn load(root: &Path) -> Result<Workspace, ConfigError> {
        let source = Source::read(&root.join("xtask.yaml"))?;
        let raw: RawWorkspace = source.deserialize()?;
        let known = profile_names(&root.join("profiles"));
        for (i, p) in std::iter::once(&raw.default_profile).chain(&raw.all_profiles).enumerate() {
            if !known.contains(p) {
                let key = if i == 0 { "default_profile".to_string() } else { format!("all_profiles[{}]", i - 1) };
                return Err(ConfigError::Invalid {
                    at: source.at(&key),
                    message: format!("unknown profile `{p}` (known: {})", known.join(", ")),
                });
            }
        }
        Ok(Workspace { root: root.to_path_buf(), default_profile: raw.default_profile, all_profiles: raw.all_profiles })
    }

    pub fn profiles_dir(&self) -> PathBuf {
        self.root.join("profiles")
    }

    pub fn scenarios_dir(&self) -> PathBuf {
        self.root.join("scenarios")
    }

    pub fn profile_names(&self) -> Vec<String> {
        profile_names(&self.profiles_dir())
    }

    pub fn profile(&self, name: &str) -> Result<Profile, ConfigError> {
        load_profile(&self.profiles_dir(), &self.root, name)
    }

    /// Checks a profile; `None` when it is abstract.
    pub fn check_profile(&self, name: &str) -> Result<Option<Profile>, ConfigError> {
        check_profile(&self.profiles_dir(), &self.root, name)
    }

    /// Scenario files in `scenarios/`, sorted by name.
    pub fn scenario_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.scenarios_dir())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        files
    }

    /// Resolves `phase-a1`, `a1` or a path to a scenario file.
    pub fn scenario_path(&self, selector: &str) -> Result<PathBuf, ConfigError> {
        let as_path = Path::new(selector);
        if selector.ends_with(".yaml") || selector.ends_with(".yml") {
            return if as_path.exists() {
                Ok(as_path.to_path_buf())
            } else {
                Err(ConfigError::Read(as_path.to_path_buf(), std::io::Error::from(std::io::ErrorKind::NotFound)))
            };
        }
        for candidate in [selector.to_string(), format!("phase-{selector}")] {
            let p = self.scenarios_dir().join(format!("{candidate}.yaml"));
            if p.exists() {
                return Ok(p);
            }
        }
        let known: Vec<String> =
            self.scenario_files().iter().filter_map(|p| p.file_stem()?.to_str().map(String::from)).collect();
        Err(ConfigError::UnknownScenario { name: selector.into(), known: known.join(", ") })
    }

    pub fn scenario(&self, selector: &str) -> Result<Scenario, ConfigError> {
        load_scenario(&self.scenario_path(selector)?)
    }
}
