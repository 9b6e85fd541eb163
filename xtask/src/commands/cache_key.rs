//! `cargo xtask cache-key --profile P`: the key CI caches `.cache/xtask`
//! under (`artifacts::ci_cache_key`), so a workflow does not hash
//! directories by hand and miss an input.

use super::{selected_profiles, workspace};
use crate::artifacts;
use crate::cli::ProfileArgs;
use crate::error::{Exit, Result};

pub fn run(args: ProfileArgs) -> Result<Exit> {
    let ws = workspace()?;
    let profiles = selected_profiles(&ws, &args)?;
    println!("{}", artifacts::ci_cache_key(&ws, &profiles)?);
    Ok(Exit::Success)
}
