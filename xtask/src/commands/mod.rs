//! One module per command. Each returns an [`Exit`] or an [`Error`];
//! `dispatch` turns either into the process exit code (`crate::error` holds
//! the table, docs/ARCHITECTURE.md documents it).

mod bench;
mod build;
mod cache_key;
mod clean;
pub(crate) mod compare;
mod doctor;
mod export;
mod keygen;
mod list;
mod merge_reports;
mod release;
mod report;
mod run;
mod scenario;
mod validate;
mod verify;

use crate::cli::{Cli, Command, ProfileArgs};
use crate::config::{ConfigError, Profile, Workspace};
pub use crate::error::{Error, Exit};

pub fn dispatch(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Scenario(a) => scenario::run(a),
        Command::Build(a) => build::run(a),
        Command::Run(a) => run::run(a),
        Command::List(a) => list::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Doctor(a) => doctor::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Report(a) => report::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Clean(a) => clean::run(a),
        Command::MergeReports(a) => merge_reports::run(a),
        Command::CacheKey(a) => cache_key::run(a),
        Command::Export(a) => export::run(a),
        Command::Keygen(a) => keygen::run(a),
        Command::Release(a) => release::run(a),
        Command::Verify(a) => verify::run(a),
    };
    match result {
        Ok(exit) => exit.code(),
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

pub fn workspace() -> Result<Workspace, ConfigError> {
    Workspace::load(&crate::project::root())
}

/// The profiles a command was asked for, loaded and resolved.
pub fn selected_profiles(ws: &Workspace, args: &ProfileArgs) -> Result<Vec<Profile>, ConfigError> {
    let names: Vec<String> = if args.all_profiles {
        ws.all_profiles.clone()
    } else if args.profiles.is_empty() {
        vec![ws.default_profile.clone()]
    } else {
        args.profiles.clone()
    };
    let mut profiles = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        if profiles.iter().any(|p: &Profile| p.name == name) {
            continue;
        }
        match ws.profile(&name) {
            Ok(p) => profiles.push(p),
            Err(e) => errors.push(e),
        }
    }
    ConfigError::collect(errors)?;
    Ok(profiles)
}
