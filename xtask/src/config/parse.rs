//! Reading YAML files into raw structs with positioned errors, and the small
//! context type that validation uses to attach file, line and key to messages.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::error::{ConfigError, Location};
use super::locate::KeyIndex;

/// A YAML file read and indexed, ready for deserialising and validation.
pub struct Source {
    pub path: PathBuf,
    pub text: String,
    pub index: KeyIndex,
}

impl Source {
    pub fn read(path: &Path) -> Result<Source, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_path_buf(), e))?;
        Ok(Source::from_text(path, text))
    }

    pub fn from_text(path: &Path, text: String) -> Source {
        let index = KeyIndex::new(&text);
        Source { path: path.to_path_buf(), text, index }
    }

    /// Deserialises the whole file, turning serde's message into a located error.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        let meaningful = self.text.lines().any(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with('#') && l != "---"
        });
        if !meaningful {
            return Err(ConfigError::Empty(self.path.clone()));
        }
        serde_norway::from_str(&self.text).map_err(|e| {
            let loc = e.location();
            let message = e.to_string();
            // serde_norway appends "at line X column Y"; we print the position up front.
            let message = match message.find(" at line ") {
                Some(cut) => message[..cut].to_string(),
                None => message,
            };
            let message = message.replace("unknown field", "unknown key").replace("unknown variant", "unknown value");
            // serde_norway prefixes the message with the key path (`qemu.accel: ...`).
            let key = None;
            ConfigError::Syntax {
                at: Location {
                    file: self.path.clone(),
                    line: loc.as_ref().map(|l| l.line()),
                    column: loc.as_ref().map(|l| l.column()),
                    key,
                },
                message,
            }
        })
    }

    /// The location of `key` (a dotted path) in this file.
    pub fn at(&self, key: &str) -> Location {
        let pos = self.index.find(key);
        Location {
            file: self.path.clone(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            key: Some(key.to_string()),
        }
    }
}

/// Collects validation errors for one file.
pub struct Checker<'a> {
    pub source: &'a Source,
    pub errors: Vec<ConfigError>,
}

impl<'a> Checker<'a> {
    pub fn new(source: &'a Source) -> Self {
        Checker { source, errors: Vec::new() }
    }

    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.push(ConfigError::Invalid { at: self.source.at(key), message: message.into() });
    }

    /// Records the error of `result` under `key` and returns its value, if any.
    pub fn check<T>(&mut self, key: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.error(key, message);
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), ConfigError> {
        ConfigError::collect(self.errors)
    }
}

/// Compiles a regex with a message that says what is wrong with it.
pub fn regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .multi_line(true)
        .build()
        .map_err(|e| format!("invalid regex `{pattern}`: {}", e.to_string().lines().last().unwrap_or("")))
}
