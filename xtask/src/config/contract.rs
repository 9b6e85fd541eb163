//! Report contracts: what a file a guest wrote (a boot report, say) must
//! say, as a YAML file in the repository. Checked by `runner::contract`.
//!
//! ```yaml
//! format: key_value        # KEY=VALUE lines; or `json` (one object)
//! ordered: true            # the listed keys that are present appear in this order
//! extra_keys: allowed      # or `forbidden`: keys the contract does not list
//! keys:
//!   - key: firmware
//!     equals: uefi         # exact value
//!   - key: kernel
//!     matches: '^6\.1\.'   # regex (searched; anchor it for a whole match)
//!   - key: debug
//!     presence: forbidden  # required (default), optional or forbidden
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;

use super::error::ConfigError;
use super::parse::{regex, Checker, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// `key=value` lines; blank lines and `#` comments are skipped.
    KeyValue,
    /// One JSON object; values compare as text (strings unquoted).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    Forbidden,
}

#[derive(Debug, Clone)]
pub enum ValueRule {
    Any,
    Equals(String),
    Matches(Regex),
}

#[derive(Debug, Clone)]
pub struct ContractKey {
    pub key: String,
    pub presence: Presence,
    pub rule: ValueRule,
}

#[derive(Debug, Clone)]
pub struct Contract {
    pub file: PathBuf,
    pub format: ReportFormat,
    pub ordered: bool,
    pub extra_keys_allowed: bool,
    pub keys: Vec<ContractKey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    format: String,
    ordered: Option<bool>,
    extra_keys: Option<String>,
    keys: Vec<RawContractKey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContractKey {
    key: String,
    presence: Option<String>,
    equals: Option<serde_norway::Value>,
    matches: Option<String>,
}

/// Reads and checks a contract; every mistake is reported with its line.
pub fn load_contract(path: &Path) -> Result<Contract, ConfigError> {
    let source = Source::read(path)?;
    let raw: RawContract = source.deserialize()?;
    let mut c = Checker::new(&source);
    let format = match raw.format.as_str() {
        "key_value" => Some(ReportFormat::KeyValue),
        "json" => Some(ReportFormat::Json),
        other => {
            c.error("format", format!("unknown format `{other}`; expected key_value or json"));
            None
        }
    };
    let extra_keys_allowed = match raw.extra_keys.as_deref() {
        None | Some("allowed") => true,
        Some("forbidden") => false,
        Some(other) => {
            c.error("extra_keys", format!("unknown extra_keys `{other}`; expected allowed or forbidden"));
            true
        }
    };
    if raw.keys.is_empty() {
        c.error("keys", "a contract lists at least one key");
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut keys = Vec::new();
    for (i, k) in raw.keys.iter().enumerate() {
        let at = format!("keys[{i}]");
        if k.key.is_empty() || k.key.contains(['=', '\n']) {
            c.error(&format!("{at}.key"), format!("`{}` cannot be a key (empty, or holds `=` or a newline)", k.key));
        }
        if let Some(first) = seen.insert(k.key.clone(), i) {
            let line = source.at(&format!("keys[{first}].key")).line.map_or(String::new(), |l| format!(" (line {l})"));
            c.error(&format!("{at}.key"), format!("duplicate key `{}`: already listed as keys[{first}]{line}", k.key));
        }
        let presence = match k.presence.as_deref() {
            None | Some("required") => Presence::Required,
            Some("optional") => Presence::Optional,
            Some("forbidden") => Presence::Forbidden,
            Some(other) => {
                c.error(
                    &format!("{at}.presence"),
                    format!("unknown presence `{other}`; expected required, optional or forbidden"),
                );
                Presence::Required
            }
        };
        let rule = match (&k.equals, &k.matches) {
            (Some(_), Some(_)) => {
                c.error(&format!("{at}.matches"), "give `equals` or `matches`, not both");
                ValueRule::Any
            }
            (Some(v), None) => match scalar(v) {
                Some(s) => ValueRule::Equals(s),
                None => {
                    c.error(&format!("{at}.equals"), "`equals` takes a string, number or boolean");
                    ValueRule::Any
                }
            },
            (None, Some(m)) => c.check(&format!("{at}.matches"), regex(m)).map_or(ValueRule::Any, ValueRule::Matches),
            (None, None) => ValueRule::Any,
        };
        if presence == Presence::Forbidden && !matches!(rule, ValueRule::Any) {
            c.error(&format!("{at}.presence"), "a forbidden key takes no `equals` or `matches`");
        }
        keys.push(ContractKey { key: k.key.clone(), presence, rule });
    }
    c.finish()?;
    Ok(Contract {
        file: path.to_path_buf(),
        format: format.expect("checked above"),
        ordered: raw.ordered.unwrap_or(false),
        extra_keys_allowed,
        keys,
    })
}

fn scalar(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.clone()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
