//! Checks a file a guest wrote against a report contract (pure: bytes in,
//! verdict out; `config::contract` reads the contract).
//!
//! Every violation is reported, not just the first: a missing key, a value
//! that is not the expected one (both shown), a forbidden or unlisted key, a
//! key out of order, a malformed or duplicated line in the report.

use std::fmt;

use crate::config::{Contract, Presence, ReportFormat, ValueRule};

/// One `key=value` (or JSON member) of a report, with where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// 1-based line of a key=value report; for JSON, the member's position.
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    Malformed { line: usize, text: String },
    Duplicate { key: String, first: usize, again: usize },
    Missing { key: String },
    Forbidden { key: String, value: String },
    Unlisted { key: String },
    Mismatch { key: String, expected: String, actual: String },
    Order { key: String, line: usize, after: String, after_line: usize },
    NotJson { message: String },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Malformed { line, text } => write!(f, "line {line}: `{text}` is not key=value"),
            Violation::Duplicate { key, first, again } => {
                write!(f, "key `{key}` appears twice (lines {first} and {again})")
            }
            Violation::Missing { key } => write!(f, "key `{key}`: missing (required)"),
            Violation::Forbidden { key, value } => write!(f, "key `{key}`: forbidden, but present (value `{value}`)"),
            Violation::Unlisted { key } => write!(f, "key `{key}`: not in the contract (extra_keys: forbidden)"),
            Violation::Mismatch { key, expected, actual } => {
                write!(f, "key `{key}`: expected {expected}, actual `{actual}`")
            }
            Violation::Order { key, line, after, after_line } => write!(
                f,
                "key `{key}` (line {line}) comes before `{after}` (line {after_line}); the contract orders `{after}` first"
            ),
            Violation::NotJson { message } => write!(f, "not a JSON object: {message}"),
        }
    }
}

/// Parses a report in the contract's format; malformed lines and
/// duplicate keys are violations of their own.
pub fn parse(format: ReportFormat, data: &[u8]) -> (Vec<Entry>, Vec<Violation>) {
    match format {
        ReportFormat::KeyValue => parse_key_value(&String::from_utf8_lossy(data)),
        ReportFormat::Json => parse_json(data),
    }
}

fn parse_key_value(text: &str) -> (Vec<Entry>, Vec<Violation>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            bad.push(Violation::Malformed { line: i + 1, text: line.to_string() });
            continue;
        };
        let key = key.trim();
        if key.is_empty() {
            bad.push(Violation::Malformed { line: i + 1, text: line.to_string() });
            continue;
        }
        if let Some(first) = entries.iter().find(|e| e.key == key) {
            bad.push(Violation::Duplicate { key: key.into(), first: first.line, again: i + 1 });
            continue;
        }
        entries.push(Entry { key: key.into(), value: value.to_string(), line: i + 1 });
    }
    (entries, bad)
}

/// The members of the top-level object in document order (a plain
/// `serde_json::Map` would sort them and hide duplicates).
fn parse_json(data: &[u8]) -> (Vec<Entry>, Vec<Violation>) {
    struct Members(Vec<(String, serde_json::Value)>);
    impl<'de> serde::Deserialize<'de> for Members {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Members;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                        out.push((k, v));
                    }
                    Ok(Members(out))
                }
            }
            d.deserialize_map(V)
        }
    }
    let members = match serde_json::from_slice::<Members>(data) {
        Ok(m) => m.0,
        Err(e) => return (Vec::new(), vec![Violation::NotJson { message: e.to_string() }]),
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut bad = Vec::new();
    for (i, (key, value)) in members.into_iter().enumerate() {
        let value = match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        if let Some(first) = entries.iter().find(|e| e.key == key) {
            bad.push(Violation::Duplicate { key, first: first.line, again: i + 1 });
            continue;
        }
        entries.push(Entry { key, value, line: i + 1 });
    }
    (entries, bad)
}

/// Checks `data` against `contract`: `Ok` with a one-line summary, or every violation.
pub fn check(contract: &Contract, data: &[u8]) -> Result<String, Vec<Violation>> {
    let (entries, mut violations) = parse(contract.format, data);
    let find = |key: &str| entries.iter().find(|e| e.key == key);
    for k in &contract.keys {
        match (find(&k.key), k.presence) {
            (None, Presence::Required) => violations.push(Violation::Missing { key: k.key.clone() }),
            (None, _) => {}
            (Some(e), Presence::Forbidden) => {
                violations.push(Violation::Forbidden { key: k.key.clone(), value: e.value.clone() })
            }
            (Some(e), _) => {
                let expected = match &k.rule {
                    ValueRule::Any => None,
                    ValueRule::Equals(want) => (e.value != *want).then(|| format!("`{want}`")),
                    ValueRule::Matches(re) => (!re.is_match(&e.value)).then(|| format!("a match of /{}/", re.as_str())),
                };
                if let Some(expected) = expected {
                    violations.push(Violation::Mismatch { key: k.key.clone(), expected, actual: e.value.clone() });
                }
            }
        }
    }
    if !contract.extra_keys_allowed {
        for e in &entries {
            if !contract.keys.iter().any(|k| k.key == e.key) {
                violations.push(Violation::Unlisted { key: e.key.clone() });
            }
        }
    }
    if contract.ordered {
        // The listed keys that are present, in contract order, must have rising lines.
        let present: Vec<&Entry> = contract.keys.iter().filter_map(|k| find(&k.key)).collect();
        for pair in present.windows(2) {
            if pair[1].line < pair[0].line {
                violations.push(Violation::Order {
                    key: pair[1].key.clone(),
                    line: pair[1].line,
                    after: pair[0].key.clone(),
                    after_line: pair[0].line,
                });
            }
        }
    }
    match violations.is_empty() {
        // The report itself follows the verdict: the HTML report shows what the guest said.
        true => Ok(format!(
            "{} keys read, contract {} holds ({} keys)\n{}",
            entries.len(),
            contract.file.display(),
            contract.keys.len(),
            String::from_utf8_lossy(data).trim_end()
        )),
        false => Err(violations),
    }
}

/// Every violation, one per line, under the contract's name.
pub fn describe(contract: &Contract, violations: &[Violation]) -> String {
    let mut s = format!("the report breaks {}:", contract.file.display());
    for v in violations {
        s.push_str("\n  ");
        s.push_str(&v.to_string());
    }
    s
}
