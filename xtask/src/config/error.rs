//! Typed configuration errors. Every one names the file and, where the YAML
//! gives one, the line and the key, so a contributor can go straight to it.

use std::fmt;
use std::path::PathBuf;

/// Where in a YAML file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted key path such as `tests[1].steps[0].timeout`, when known.
    pub key: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(key) = &self.key {
            write!(f, " (key `{key}`)")?;
        }
        Ok(())
    }
}

/// Everything that can be wrong with profiles and scenarios.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}: cannot read file: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{0}: file is empty")]
    Empty(PathBuf),
    #[error("{at}: {message}")]
    Syntax { at: Location, message: String },
    #[error("{at}: {message}")]
    Invalid { at: Location, message: String },
    #[error("{0}")]
    Inherits(Box<InheritsError>),
    #[error("unknown profile `{name}` (known: {known})")]
    UnknownProfile { name: String, known: String },
    #[error("unknown scenario `{name}`: neither a phase in scenarios/ nor a YAML file (known phases: {known})")]
    UnknownScenario { name: String, known: String },
    #[error("{0}")]
    Many(ConfigErrors),
}

/// What can be wrong with an `inherits` chain (boxed in [`ConfigError`]
/// to keep the common error small).
#[derive(Debug, thiserror::Error)]
pub enum InheritsError {
    #[error("{at}: profile `{name}` inherits unknown profile `{parent}` (known: {known})")]
    UnknownParent { at: Location, name: String, parent: String, known: String },
    #[error("{at}: profile `{name}` inherits itself through {chain}")]
    Cycle { at: Location, name: String, chain: String },
}

/// Several independent errors, reported together so one run shows them all.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl ConfigError {
    /// Folds a list of errors into one, or `Ok` when there are none.
    pub fn collect(mut errors: Vec<ConfigError>) -> Result<(), ConfigError> {
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(ConfigError::Many(ConfigErrors(errors))),
        }
    }
}
