//! `verify --rebuild`: rebuild the bundle from source at its recorded commit
//! (a clean clone of this repository in a temporary directory, a fresh
//! artifact cache) and compare the bytes with the bundle's.

use std::path::Path;

use anyhow::Context;

use super::verify::Verdict;
use super::{bundle, diff, provenance};

pub fn rebuild_and_compare(dir: &Path) -> anyhow::Result<Verdict> {
    let statement: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(provenance::FILE))?)?;
    let params = &statement["predicate"]["buildDefinition"]["externalParameters"];
    let commit = params["source"]["gitCommit"].as_str().context("the provenance records no commit")?.to_string();
    if params["source"]["dirty"] == true {
        return Ok(Verdict::Fail(vec![format!(
            "{}: built from a dirty work tree (--allow-dirty): no commit holds its sources",
            provenance::FILE
        )]));
    }
    let profiles: Vec<String> =
        params["profiles"].as_array().into_iter().flatten().filter_map(|p| p.as_str().map(String::from)).collect();
    let phases: Vec<String> =
        params["phases"].as_array().into_iter().flatten().filter_map(|p| p.as_str().map(String::from)).collect();
    let root = crate::project::root();
    let tmp = tempfile::Builder::new().prefix("xtask-rebuild-").tempdir()?;
    let src = tmp.path().join("src");
    eprintln!("rebuild: clean checkout of {commit} in {}", src.display());
    let git = |args: &[&str]| duct::cmd("git", args).stdout_null().run().map(|_| ());
    let src_s = src.display().to_string();
    let root_s = root.display().to_string();
    if let Err(e) = git(&["clone", "--quiet", "--no-checkout", "--shared", &root_s, &src_s])
        .and_then(|_| git(&["-C", &src_s, "checkout", "--quiet", "--detach", &commit]))
    {
        return Ok(Verdict::Fail(vec![format!("commit {commit} cannot be checked out from {root_s}: {e}")]));
    }
    let out = tmp.path().join("bundle");
    let mut argv: Vec<String> = vec!["run".into(), "--quiet".into(), "--package".into(), "xtask".into(), "--".into()];
    argv.extend(["release".into(), "--out".into(), out.display().to_string(), "--no-archive".into()]);
    for p in &profiles {
        argv.extend(["--profile".into(), p.clone()]);
    }
    for p in &phases {
        argv.extend(["--scenario".into(), p.clone()]);
    }
    eprintln!("rebuild: cargo xtask {} (fresh cache)", argv[5..].join(" "));
    let status = duct::cmd("cargo", &argv)
        .dir(&src)
        // A target directory of its own (kept, so the next rebuild reuses the
        // dependencies): the checkout's xtask must not replace the running one.
        .env("CARGO_TARGET_DIR", root.join("target").join("rebuild"))
        .env("XTASK_CACHE_DIR", tmp.path().join("cache"))
        .unchecked()
        .run()?;
    if !status.status.success() {
        return Ok(Verdict::Fail(vec![format!("the rebuild at {commit} failed ({})", status.status)]));
    }
    let mut differ = diff::compare_trees(dir, &out)?;
    differ.retain(|d| !bundle::is_signature_file(d.split(':').next().unwrap_or("")));
    Ok(if differ.is_empty() {
        Verdict::Pass(format!("rebuilt from {commit}: identical, file for file"))
    } else {
        Verdict::Fail(differ)
    })
}
