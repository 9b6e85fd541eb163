//! Exporting scenarios to other test engines: `lava.rs` writes LAVA job
//! definitions (`cargo xtask export lava`).

pub mod lava;
