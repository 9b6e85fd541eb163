//! Architecture support: the only place (with `mm::page_table`,
//! `mm::usercopy`) where `unsafe` is allowed. Everything here exposes safe
//! functions whose invariants are checked or documented at the boundary.

pub mod aarch64;

pub use aarch64::*;
