//! Path strings as the VFS sees them: components, the parent/name split
//! for create and unlink, and lexical joining for the working directory.
//! Symlinks are the VFS's business; nothing here touches a filesystem.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

/// Longest path accepted (Linux `PATH_MAX`, NUL included).
pub const PATH_MAX: usize = 4096;
/// Longest component (Linux `NAME_MAX`).
pub const NAME_MAX: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The empty string (ENOENT).
    Empty,
    /// A component longer than NAME_MAX or a path over PATH_MAX (ENAMETOOLONG).
    TooLong,
}

/// The components of `path`, without empty ones and `.` (`..` is kept:
/// it must be resolved against the real parent, which symlinks affect).
pub fn components(path: &str) -> Result<Vec<&str>, Error> {
    if path.is_empty() {
        return Err(Error::Empty);
    }
    if path.len() >= PATH_MAX {
        return Err(Error::TooLong);
    }
    let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
    if parts.iter().any(|c| c.len() > NAME_MAX) {
        return Err(Error::TooLong);
    }
    Ok(parts)
}

/// `(parent, name)` for operations that create or remove `name`; a path
/// whose last component is `.`/`..` or that names `/` has no such split.
pub fn split_parent(path: &str) -> Option<(&str, &str)> {
    let trimmed = path.trim_end_matches('/');
    let (parent, name) = match trimmed.rfind('/') {
        Some(i) => (if i == 0 { "/" } else { &trimmed[..i] }, &trimmed[i + 1..]),
        None => (".", trimmed),
    };
    if name.is_empty() || name == "." || name == ".." {
        return None;
    }
    Some((parent, name))
}

/// `base` (absolute, normalised) joined with `path`, `.` and `..` applied
/// lexically; the result is absolute and normalised.
pub fn join(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let start = if path.starts_with('/') { "" } else { base };
    for c in start.split('/').chain(path.split('/')) {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = String::new();
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn components_drop_empty_and_dot() {
        assert_eq!(components("/a//b/./c/").unwrap(), vec!["a", "b", "c"]);
        assert_eq!(components("../x").unwrap(), vec!["..", "x"]);
        assert_eq!(components("/").unwrap(), Vec::<&str>::new());
        assert_eq!(components(""), Err(Error::Empty));
        let long = "a".repeat(256);
        assert_eq!(components(&long), Err(Error::TooLong));
    }

    #[test]
    fn split_parent_for_create_and_unlink() {
        assert_eq!(split_parent("/tmp/a"), Some(("/tmp", "a")));
        assert_eq!(split_parent("/a"), Some(("/", "a")));
        assert_eq!(split_parent("f"), Some((".", "f")));
        assert_eq!(split_parent("dir/sub/"), Some(("dir", "sub")));
        assert_eq!(split_parent("/"), None);
        assert_eq!(split_parent("a/.."), None);
    }

    #[test]
    fn join_is_lexical_and_absolute() {
        assert_eq!(join("/", "tmp"), "/tmp");
        assert_eq!(join("/tmp", "../etc/./passwd"), "/etc/passwd");
        assert_eq!(join("/a/b", "/c"), "/c");
        assert_eq!(join("/", "../.."), "/");
    }
}
