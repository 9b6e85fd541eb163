//! `cargo xtask list`: profiles, scenarios and phases.

use serde_json::json;

use super::workspace;
use crate::cli::JsonArg;
use crate::error::{Exit, Result};

pub fn run(args: JsonArg) -> Result<Exit> {
    let ws = workspace()?;
    let mut profiles = Vec::new();
    for name in ws.profile_names() {
        let Some(p) = ws.check_profile(&name)? else {
            profiles.push(json!({ "name": name, "abstract": true, "default": false, "arch": "-", "description": "(abstract: only inherited)" }));
            continue;
        };
        profiles.push(json!({
            "name": p.name,
            "default": p.name == ws.default_profile,
            "arch": p.arch.name(),
            "inherits": p.chain.get(1),
            "description": p.description,
            "capabilities": p.capabilities,
        }));
    }
    let mut scenarios = Vec::new();
    for file in ws.scenario_files() {
        let s = crate::config::load_scenario(&file)?;
        scenarios.push(json!({
            "phase": s.phase,
            "title": s.title,
            "file": file.strip_prefix(&ws.root).unwrap_or(&file).display().to_string(),
            "tests": s.tests.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
            "requires": s.requires,
        }));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json!({ "profiles": profiles, "scenarios": scenarios }))?);
        return Ok(Exit::Success);
    }
    println!("Profiles:");
    for p in &profiles {
        let default = if p["default"].as_bool() == Some(true) { " (default)" } else { "" };
        let inherits = p["inherits"].as_str().map(|i| format!(" inherits {i}")).unwrap_or_default();
        println!(
            "  {:<22} {:<8}{default}{inherits}  {}",
            p["name"].as_str().unwrap_or(""),
            p["arch"].as_str().unwrap_or(""),
            p["description"].as_str().unwrap_or("")
        );
    }
    println!("Scenarios (phases):");
    for s in &scenarios {
        let n = s["tests"].as_array().map_or(0, |t| t.len());
        println!(
            "  {:<12} {:<28} {n:>2} tests  {}",
            s["phase"].as_str().unwrap_or(""),
            s["file"].as_str().unwrap_or(""),
            s["title"].as_str().unwrap_or("")
        );
    }
    Ok(Exit::Success)
}
