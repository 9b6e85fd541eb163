//! Configuration: YAML profiles and scenarios, parsed into raw structs and
//! validated into resolved types. Only this module knows the file formats.

mod contract;
mod duration;
mod error;
mod locate;
mod merge;
mod parse;
mod profile;
mod raw;
mod resolve_profile;
mod resolve_scenario;
mod resolve_step;
mod scenario;
mod workspace;

pub use contract::{load_contract, Contract, ContractKey, Presence, ReportFormat, ValueRule};
pub use duration::parse as parse_duration;
pub use error::{ConfigError, Location};
pub use parse::regex as compile_regex;
pub use profile::*;
pub use resolve_profile::{check_profile, load_profile, profile_names};
pub use resolve_scenario::{load_scenario, unescape};
pub use scenario::*;
pub use workspace::Workspace;
