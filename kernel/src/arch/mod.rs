//! Architecture support: the only place (with `mm::heap`, `mm::page_table`,
//! `mm::usercopy`) where `unsafe` is allowed. Everything here exposes safe
//! functions that are sound for any caller; each says why in its doc.

pub mod aarch64;

pub use aarch64::*;
