//! `cargo xtask doctor`: which host tools are there, and how to get the rest.

use super::workspace;
use crate::artifacts::tools;
use crate::cli::JsonArg;
use crate::error::{Error, Exit, Result};

pub fn run(args: JsonArg) -> Result<Exit> {
    let ws = workspace()?;
    let mut profiles = Vec::new();
    for name in ws.profile_names() {
        profiles.extend(ws.check_profile(&name)?);
    }
    let report = tools::doctor_report(&profiles);
    let missing = report.iter().filter(|t| t.found.is_none()).count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for t in &report {
            match &t.found {
                Some(path) => println!("ok       {:<26} {}", t.name, path.display()),
                None => println!("MISSING  {:<26} {}\n         install: {}", t.name, t.purpose, t.install),
            }
        }
        println!("{} tool(s), {missing} missing", report.len());
    }
    if missing > 0 {
        let names: Vec<&str> = report.iter().filter(|t| t.found.is_none()).map(|t| t.name.as_str()).collect();
        return Err(Error::Environment(anyhow::anyhow!("missing host tools: {}", names.join(", "))));
    }
    Ok(Exit::Success)
}
