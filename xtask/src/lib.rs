//! `cargo xtask`: a declarative build-and-test orchestrator for kernels under QEMU.
//!
//! See `docs/ARCHITECTURE.md` for the map of modules and their invariants.

pub mod artifacts;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod config;
pub mod console;
pub mod event;
pub mod fixtures;
pub mod project;
pub mod qemu;
pub mod release;
pub mod report;
pub mod runner;
