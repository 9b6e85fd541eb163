//! One module per command. Each returns an [`Exit`]; `dispatch` maps errors
//! to exit codes (documented in docs/ARCHITECTURE.md):
//! 0 success, 1 a test failed, 2 bad input (nothing was booted),
//! 3 the environment failed (a build or a tool), 130 interrupted.

mod bench;
mod build;
mod clean;
pub(crate) mod compare;
mod doctor;
mod keygen;
mod list;
mod release;
mod report;
mod run;
mod scenario;
mod validate;
mod verify;

use crate::cli::{Cli, Command, ProfileArgs};
use crate::config::{ConfigError, Profile, Workspace};

pub const EXIT_OK: i32 = 0;
pub const EXIT_TEST_FAILED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_ENVIRONMENT: i32 = 3;
pub const EXIT_INTERRUPTED: i32 = 130;

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
        Command::Keygen(a) => keygen::run(a),
        Command::Release(a) => release::run(a),
        Command::Verify(a) => verify::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if let Some(config) = e.downcast_ref::<ConfigError>() {
                eprintln!("error: {config}");
                EXIT_BAD_INPUT
            } else if let Some(bad) = e.downcast_ref::<crate::release::BadInput>() {
                eprintln!("error: {bad}");
                EXIT_BAD_INPUT
            } else if let Some(bad) = e.downcast_ref::<crate::compare::CompareError>() {
                eprintln!("error: {bad}");
                EXIT_BAD_INPUT
            } else {
                eprintln!("error: {e:#}");
                EXIT_ENVIRONMENT
            }
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
