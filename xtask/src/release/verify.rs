//! Offline checks of a bundle directory, each a named [`Check`] with its
//! verdict: files against `SHA256SUMS`, the minisign signatures, the SBOM,
//! the provenance statement, the contract. `commands/verify.rs` adds the
//! checks that run things (`--results`, `--boot`, `--rebuild`).

use std::collections::BTreeMap;
use std::path::Path;

use minisign::PublicKey;
use serde_json::Value;

use super::bundle::{self, SIGNING_KEY, STATEMENT_SIG, SUMS, SUMS_SIG, UNSIGNED};
use super::contract::{self, Contract};
use super::results::BUNDLE_ID_FILE;
use super::sums::{self, file_sha256, Sums};
use super::{provenance, sbom, sign};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass(String),
    /// Every problem, each naming the file and what differs.
    Fail(Vec<String>),
    Skip(String),
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
}

impl Check {
    pub fn failed(&self) -> bool {
        matches!(self.verdict, Verdict::Fail(_))
    }

    /// `PASS files  41 files match SHA256SUMS`, failures one per line below.
    pub fn render(&self) -> String {
        match &self.verdict {
            Verdict::Pass(d) => format!("PASS {:<11} {d}", self.name),
            Verdict::Skip(d) => format!("SKIP {:<11} {d}", self.name),
            Verdict::Fail(problems) => {
                let mut s = format!("FAIL {:<11} {} problem(s)", self.name, problems.len());
                for p in problems {
                    s.push_str(&format!("\n       - {p}"));
                }
                s
            }
        }
    }
}

fn verdict(problems: Vec<String>, ok: impl FnOnce() -> String) -> Verdict {
    if problems.is_empty() {
        Verdict::Pass(ok())
    } else {
        Verdict::Fail(problems)
    }
}

/// What the static checks learned, for the checks that follow.
pub struct Static {
    pub checks: Vec<Check>,
    pub sums: Option<Sums>,
    pub contract: Option<Contract>,
}

/// Runs the static checks on `dir` (an existing directory).
pub fn check_bundle(dir: &Path, pubkey: Option<&PublicKey>) -> Static {
    let mut checks = Vec::new();
    let sums_text = std::fs::read_to_string(dir.join(SUMS));
    let sums = match &sums_text {
        Err(e) => {
            checks.push(Check { name: "files", verdict: Verdict::Fail(vec![format!("{SUMS}: {e}")]) });
            None
        }
        Ok(text) => match sums::parse(text) {
            Err(e) => {
                checks.push(Check { name: "files", verdict: Verdict::Fail(vec![e.0]) });
                None
            }
            Ok(s) => {
                checks.push(Check { name: "files", verdict: files(dir, &s) });
                Some(s)
            }
        },
    };
    checks.push(Check { name: "signature", verdict: signature(dir, pubkey) });
    let sums_ok = |rel: &str| sums.as_ref().is_some_and(|s| s.contains_key(rel));
    checks.push(Check { name: "sbom", verdict: sbom_check(dir, sums.as_ref(), sums_ok(sbom::FILE)) });
    checks.push(Check { name: "provenance", verdict: provenance_check(dir, sums.as_ref()) });
    let (verdict, contract) = contract_check(dir, sums.as_ref());
    checks.push(Check { name: "contract", verdict });
    Static { checks, sums, contract }
}

fn files(dir: &Path, listed: &Sums) -> Verdict {
    let mut problems = Vec::new();
    let present = match bundle::list_files(dir) {
        Ok(p) => p,
        Err(e) => return Verdict::Fail(vec![format!("{e:#}")]),
    };
    for (rel, want) in listed {
        let path = dir.join(rel);
        if !path.is_file() {
            problems.push(format!("{rel}: listed in {SUMS} but missing"));
            continue;
        }
        match file_sha256(&path) {
            Ok(got) if &got == want => {}
            Ok(got) => problems.push(format!("{rel}: sha256 is {got}, {SUMS} says {want}")),
            Err(e) => problems.push(format!("{rel}: {e}")),
        }
    }
    for rel in &present {
        if !listed.contains_key(rel) && !bundle::is_signature_file(rel) {
            problems.push(format!("{rel}: not listed in {SUMS} (added after the release?)"));
        }
    }
    verdict(problems, || format!("{} files match {SUMS}", listed.len()))
}

fn signature(dir: &Path, pubkey: Option<&PublicKey>) -> Verdict {
    let signed = dir.join(SUMS_SIG).is_file();
    let Some(pk) = pubkey else {
        return Verdict::Skip(if signed {
            let id = std::fs::read_to_string(dir.join(SIGNING_KEY))
                .ok()
                .and_then(|t| sign::parse_public_key(&t).ok())
                .map(|k| sign::key_id(&k))
                .unwrap_or_else(|| "unknown".into());
            format!("signed by key {id}; not checked (give the release key with --pubkey)")
        } else {
            format!("the bundle is unsigned ({UNSIGNED})")
        });
    };
    if !signed {
        return Verdict::Fail(vec![format!(
            "{SUMS_SIG} missing: the bundle is unsigned, but --pubkey asks for a signature by key {}",
            sign::key_id(pk)
        )]);
    }
    let mut problems = Vec::new();
    for (data, sig) in [(SUMS, SUMS_SIG), (provenance::FILE, STATEMENT_SIG)] {
        let d = std::fs::read(dir.join(data));
        let s = std::fs::read_to_string(dir.join(sig));
        match (d, s) {
            (Err(e), _) => problems.push(format!("{data}: {e}")),
            (_, Err(e)) => problems.push(format!("{sig}: {e}")),
            (Ok(d), Ok(s)) => {
                if let Err(e) = sign::verify(pk, &d, &s) {
                    problems.push(format!("{sig}: {e} (over {data})"));
                }
            }
        }
    }
    if dir.join(UNSIGNED).exists() {
        problems.push(format!("{UNSIGNED} present in a signed bundle"));
    }
    verdict(problems, || format!("{SUMS} and {} signed by key {}", provenance::FILE, sign::key_id(pk)))
}

fn read_json(dir: &Path, rel: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(dir.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{rel}: not JSON: {e}"))
}

fn sbom_check(dir: &Path, sums: Option<&Sums>, listed: bool) -> Verdict {
    let v = match read_json(dir, sbom::FILE) {
        Ok(v) => v,
        Err(e) => return Verdict::Fail(vec![e]),
    };
    let mut problems = Vec::new();
    if !listed {
        problems.push(format!("{}: not listed in {SUMS}", sbom::FILE));
    }
    if v["bomFormat"] != "CycloneDX" || v["specVersion"] != sbom::SPEC_VERSION {
        problems.push(format!("{}: not CycloneDX {} JSON", sbom::FILE, sbom::SPEC_VERSION));
    }
    let comps = v["components"].as_array().cloned().unwrap_or_default();
    let files: Vec<&Value> = comps.iter().filter(|c| c["type"] == "file").collect();
    for c in &files {
        let name = c["name"].as_str().unwrap_or("?");
        let sum = c["hashes"][0]["content"].as_str().unwrap_or("");
        match sums.and_then(|s| s.get(name)) {
            Some(s) if s == sum => {}
            Some(s) => problems.push(format!("{}: component {name} has sha256 {sum}, {SUMS} says {s}", sbom::FILE)),
            None => problems.push(format!("{}: component {name} is not a file of the bundle", sbom::FILE)),
        }
    }
    verdict(problems, || {
        format!("CycloneDX {}, {} components, {} images", sbom::SPEC_VERSION, comps.len(), files.len())
    })
}

fn provenance_check(dir: &Path, sums: Option<&Sums>) -> Verdict {
    let v = match read_json(dir, provenance::FILE) {
        Ok(v) => v,
        Err(e) => return Verdict::Fail(vec![e]),
    };
    let f = provenance::FILE;
    let mut problems = Vec::new();
    if v["_type"] != provenance::STATEMENT_TYPE {
        problems.push(format!("{f}: _type is not {}", provenance::STATEMENT_TYPE));
    }
    if v["predicateType"] != provenance::PREDICATE_TYPE {
        problems.push(format!("{f}: predicateType is not {}", provenance::PREDICATE_TYPE));
    }
    let subjects: BTreeMap<String, String> = v["subject"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s["name"].as_str()?.to_string(), s["digest"]["sha256"].as_str()?.to_string())))
        .collect();
    let images: BTreeMap<String, String> = sums
        .map(|s| s.iter().filter(|(k, _)| k.starts_with("images/")).map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for (name, sum) in &subjects {
        match images.get(name) {
            Some(s) if s == sum => {}
            Some(s) => problems.push(format!("{f}: subject {name} has sha256 {sum}, {SUMS} says {s}")),
            None => problems.push(format!("{f}: subject {name} is not an image of the bundle")),
        }
    }
    for name in images.keys() {
        if !subjects.contains_key(name) {
            problems.push(format!("{f}: image {name} is not a subject"));
        }
    }
    let commit = v["predicate"]["buildDefinition"]["externalParameters"]["source"]["gitCommit"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    let dirty = v["predicate"]["buildDefinition"]["externalParameters"]["source"]["dirty"] == true;
    verdict(problems, || {
        format!(
            "in-toto v1 + SLSA v1, {} subjects, commit {commit}{}",
            subjects.len(),
            if dirty { " (dirty)" } else { "" }
        )
    })
}

fn contract_check(dir: &Path, sums: Option<&Sums>) -> (Verdict, Option<Contract>) {
    let text = match std::fs::read_to_string(dir.join(contract::FILE)) {
        Ok(t) => t,
        Err(e) => return (Verdict::Fail(vec![format!("{}: {e}", contract::FILE)]), None),
    };
    let c = match contract::parse(&text) {
        Ok(c) => c,
        Err(e) => return (Verdict::Fail(vec![e.0]), None),
    };
    let empty = Sums::new();
    let mut problems = contract::check_images(&c, sums.unwrap_or(&empty));
    match std::fs::read_to_string(dir.join(BUNDLE_ID_FILE)) {
        Ok(id) if id.trim() == c.bundle_id => {}
        Ok(id) => {
            problems.push(format!("{BUNDLE_ID_FILE} says {}, {} says {}", id.trim(), contract::FILE, c.bundle_id))
        }
        Err(e) => problems.push(format!("{BUNDLE_ID_FILE}: {e}")),
    }
    for p in &c.profiles {
        for ph in &p.phases {
            if !sums.is_some_and(|s| s.contains_key(&ph.scenario_file)) {
                problems.push(format!("{}: scenario file {} is not in the bundle", contract::FILE, ph.scenario_file));
            }
        }
    }
    let tests: usize = c.profiles.iter().flat_map(|p| &p.phases).map(|ph| ph.tests.len()).sum();
    let v =
        verdict(problems, || format!("{} profile(s), {tests} tests, bundle {}", c.profiles.len(), &c.bundle_id[..16]));
    (v, Some(c))
}
