//! The serial console: cleaning, the expect engine, transcripts and sessions.
//! Everything here is pure or generic over [`guest::Guest`], so it is tested
//! on the host with recorded transcripts (see `xtask/tests/replay.rs`).

pub mod clean;
pub mod guest;
pub mod screen;
pub mod session;
pub mod transcript;
