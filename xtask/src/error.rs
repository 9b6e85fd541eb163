//! How a command ends: an [`Exit`] when it ran to completion, an [`Error`]
//! when it could not. This is the only place that turns either into a process
//! exit code; the codes are documented in docs/ARCHITECTURE.md ("Exit codes").
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a test failed (or a comparison did not match) |
//! | 2 | bad input: a profile, scenario, flag or file given is wrong; nothing was booted |
//! | 3 | the environment failed: a build, a host tool, QEMU |
//! | 4 | no test ran: every selected test was skipped (`--no-tests=fail`, the default) |
//! | 130 | interrupted (Ctrl-C, SIGTERM, SIGHUP) |
//! | 141 | stdout was closed early (`cargo xtask list --json \| head`): quietly, as a shell reports SIGPIPE |

use crate::compare::CompareError;
use crate::config::ConfigError;

/// How a command that ran to completion ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    TestFailed,
    /// Every selected test was skipped (nextest's `NO_TESTS_RUN`).
    NoTestsRan,
    Interrupted,
    /// Stdout is a pipe whose reader went away (`main.rs` catches the
    /// panic of `println!`): 128 + SIGPIPE, what a shell reports.
    BrokenPipe,
    /// A child's own status, passed through (`cargo xtask run`).
    Child(i32),
}

impl Exit {
    pub fn code(self) -> i32 {
        match self {
            Exit::Success => 0,
            Exit::TestFailed => 1,
            Exit::NoTestsRan => 4,
            Exit::Interrupted => 130,
            Exit::BrokenPipe => 128 + libc::SIGPIPE,
            Exit::Child(code) => code,
        }
    }
}

/// Why a command could not run to completion.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A profile, scenario or `xtask.yaml` is wrong (file, line, key).
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A report given to `compare` (or `--oracle`) cannot be compared.
    #[error("{0}")]
    Compare(#[from] CompareError),
    /// Any other input given on the command line is wrong.
    #[error("{0}")]
    BadInput(String),
    /// The environment failed: a build, a host tool, an I/O error.
    #[error("{0:#}")]
    Environment(anyhow::Error),
}

impl Error {
    pub fn bad_input(message: impl Into<String>) -> Error {
        Error::BadInput(message.into())
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::Compare(_) | Error::BadInput(_) => 2,
            Error::Environment(_) => 3,
        }
    }
}

/// Errors that travelled through `anyhow` (from code shared with the
/// artifact builders) keep their kind: a configuration error found while
/// building is still bad input.
impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Error {
        let e = match e.downcast::<ConfigError>() {
            Ok(config) => return Error::Config(config),
            Err(e) => e,
        };
        let e = match e.downcast::<CompareError>() {
            Ok(compare) => return Error::Compare(compare),
            Err(e) => e,
        };
        match e.downcast::<Error>() {
            Ok(error) => error,
            Err(e) => Error::Environment(e),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Environment(e.into())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Environment(e.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        let config = ConfigError::Empty("p.yaml".into());
        assert_eq!(Error::from(anyhow::Error::new(config)).exit_code(), 2);
        assert_eq!(Error::from(anyhow::anyhow!("make failed")).exit_code(), 3);
        assert_eq!(Error::bad_input("--max-size x").exit_code(), 2);
        assert_eq!(Error::from(anyhow::Error::new(Error::bad_input("x"))).exit_code(), 2);
        assert_eq!(Exit::NoTestsRan.code(), 4);
    }
}
