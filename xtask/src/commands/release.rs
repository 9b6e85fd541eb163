//! `cargo xtask release`: build profiles from source into a bundle (images,
//! run scripts, contract, runbook, SBOM, provenance, SHA256SUMS), sign it,
//! archive it. `--check-reproducible` builds twice in fresh caches first.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::scenario::load_scenarios;
use super::{selected_profiles, workspace, EXIT_OK, EXIT_TEST_FAILED};
use crate::artifacts::{self, Artifacts};
use crate::cli::ReleaseArgs;
use crate::config::{Profile, Workspace};
use crate::release::info::ReleaseInfo;
use crate::release::{bundle, diff, gather, sign, BadInput};

pub fn run(args: ReleaseArgs) -> anyhow::Result<i32> {
    let ws = workspace()?;
    let profiles = selected_profiles(&ws, &args.profiles)?;
    // A bundle's run script and `verify --boot` boot images directly; the
    // firmware, its variable store and the ESP are not bundled yet.
    if let Some(p) = profiles.iter().find(|p| matches!(p.boot, crate::config::Boot::Uefi(_))) {
        return Err(BadInput(format!(
            "profile `{}` boots through UEFI firmware (boot: uefi), which release bundles do not carry yet; \
             bundle its direct-boot sibling instead",
            p.name
        ))
        .into());
    }
    let scenarios = load_scenarios(&ws, &args.scenarios)?;
    let source = gather::source(&ws.root)?;
    if source.dirty && !args.allow_dirty {
        return Err(BadInput(format!(
            "the work tree has uncommitted changes; commit them, or pass --allow-dirty (recorded in the provenance):\n  {}",
            gather::dirty_files(&ws.root).join("\n  ")
        ))
        .into());
    }
    if args.out.exists() {
        return Err(BadInput(format!("{}: already exists; pick a new --out directory", args.out.display())).into());
    }
    // Decrypt the key first: a wrong password fails before an hour of building.
    let signer = args.key.as_deref().map(|k| sign::Signer::load(k, sign::password_from_env()?)).transpose()?;

    if args.check_reproducible {
        let differ = check_reproducible(&ws, &args)?;
        if !differ.is_empty() {
            eprintln!("NOT REPRODUCIBLE: {} file(s) differ between two builds in fresh caches:", differ.len());
            for d in &differ {
                eprintln!("  {d}");
            }
            return Ok(EXIT_TEST_FAILED);
        }
        eprintln!("reproducible: two builds in fresh caches are identical, file for file");
    } else {
        let mut built = Vec::new();
        for p in &profiles {
            eprintln!("{}:", p.name);
            let a = artifacts::build_all(&ws, p, &mut |line: &str| eprintln!("  {line}"))
                .with_context(|| format!("building profile `{}`", p.name))?;
            built.push((p.clone(), a));
        }
        let info = release_info(&ws.root, &built, &scenarios.iter().map(|s| s.phase.clone()).collect::<Vec<_>>())?;
        bundle::write_bundle(
            &args.out,
            bundle::Inputs { root: &ws.root, profiles: &built, scenarios: &scenarios, info },
        )?;
    }
    match &signer {
        Some(s) => {
            bundle::sign(&args.out, s, &source.commit)?;
            eprintln!("signed with key {}", s.key_id());
        }
        None => eprintln!("UNSIGNED: no --key given (the bundle says so in {})", bundle::UNSIGNED),
    }
    let archive = (!args.no_archive).then(|| bundle::archive(&args.out, source.source_date_epoch)).transpose()?;
    println!("{}", args.out.display());
    if let Some(a) = archive {
        println!("{}", a.display());
    }
    Ok(EXIT_OK)
}

/// The facts of a release, gathered from the tree and the host.
pub fn release_info(root: &Path, built: &[(Profile, Artifacts)], phases: &[String]) -> anyhow::Result<ReleaseInfo> {
    let profiles: Vec<Profile> = built.iter().map(|(p, _)| p.clone()).collect();
    let mut locks = vec![gather::lock_file(root, "Cargo.lock")?];
    if root.join("kernel/Cargo.lock").is_file() {
        locks.push(gather::lock_file(root, "kernel/Cargo.lock")?);
    }
    Ok(ReleaseInfo {
        source: gather::source(root)?,
        locks,
        debian: gather::debian(root, built)?,
        tools: gather::tool_versions(&profiles),
        profiles: profiles.iter().map(|p| gather::profile_record(root, p)).collect::<anyhow::Result<_>>()?,
        phases: phases.to_vec(),
        images: Vec::new(),
    })
}

/// Two unsigned builds by child processes, each with its own fresh cache
/// (different paths); the first becomes `--out`. Returns the differences.
fn check_reproducible(ws: &Workspace, args: &ReleaseArgs) -> anyhow::Result<Vec<String>> {
    let parent = args.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let scratch = tempfile::Builder::new().prefix(".xtask-repro-").tempdir_in(parent)?;
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    // Both builds must see one commit: the bundles record it.
    let before = gather::source(&ws.root)?;
    let mut outs: Vec<PathBuf> = Vec::new();
    for which in ["first", "second"] {
        let out = scratch.path().join(which).join("bundle");
        let cache = scratch.path().join(which).join(format!("cache-{which}"));
        let mut argv: Vec<String> =
            vec!["release".into(), "--out".into(), out.display().to_string(), "--no-archive".into()];
        for p in &args.profiles.profiles {
            argv.extend(["--profile".into(), p.clone()]);
        }
        if args.profiles.all_profiles {
            argv.push("--all-profiles".into());
        }
        for s in &args.scenarios {
            argv.extend(["--scenario".into(), s.clone()]);
        }
        if args.allow_dirty {
            argv.push("--allow-dirty".into());
        }
        eprintln!("check-reproducible: {which} build, cache {}", cache.display());
        let status = duct::cmd(&exe, &argv)
            .dir(&ws.root)
            .env("XTASK_CACHE_DIR", &cache)
            .unchecked()
            .run()
            .with_context(|| format!("running the {which} build"))?;
        if !status.status.success() {
            anyhow::bail!("the {which} build failed ({}); its output is above", status.status);
        }
        outs.push(out);
    }
    let after = gather::source(&ws.root);
    if after.as_ref().map(|a| (&a.commit, a.dirty)).ok() != Some((&before.commit, before.dirty)) {
        return Err(BadInput(
            "the work tree changed while the two builds ran (a commit or an edit): run the check again on an unchanging tree"
                .into(),
        )
        .into());
    }
    let differ = diff::compare_trees(&outs[0], &outs[1])?;
    if differ.is_empty() {
        std::fs::rename(&outs[0], &args.out).with_context(|| format!("moving the bundle to {}", args.out.display()))?;
    }
    Ok(differ)
}
