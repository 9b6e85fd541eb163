//! Executes scenarios on profiles and records everything in the event log.

mod boot;
pub mod checks;
pub mod contract;
pub mod host_checks;
pub mod launch;
pub mod log;
mod steps;
pub mod suite;
mod sweep;
pub mod test;
mod test_fixtures;
