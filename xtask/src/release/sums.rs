//! `SHA256SUMS`: the bundle's root of trust. One `<sha256>  <path>` line per
//! file, sorted by path, in the format `sha256sum -c` reads, so a release
//! engineer can check it with coreutils too. The signature signs this file.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::BadInput;

/// Relative path (with `/`) → lowercase hex sha256.
pub type Sums = BTreeMap<String, String>;

/// sha256 of a file, read in chunks (images are tens of MiB).
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

pub fn bytes_sha256(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The file's text: sorted, two spaces, one trailing newline.
pub fn render(sums: &Sums) -> String {
    sums.iter().map(|(path, sum)| format!("{sum}  {path}\n")).collect()
}

/// Reads `SHA256SUMS` text; every malformed line is an error naming it.
pub fn parse(text: &str) -> Result<Sums, BadInput> {
    let mut sums = Sums::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let bad = |why: &str| BadInput(format!("SHA256SUMS line {n}: {why}: `{}`", line.escape_debug()));
        let (sum, path) = line.split_once("  ").ok_or_else(|| bad("expected `<sha256>  <path>`"))?;
        if sum.len() != 64 || !sum.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            return Err(bad("the digest is not 64 lowercase hex digits"));
        }
        if path.is_empty() || path.starts_with('/') || path.split('/').any(|c| c == ".." || c == "." || c.is_empty()) {
            return Err(bad("the path must be relative, without `.` or `..`"));
        }
        if sums.insert(path.to_string(), sum.to_string()).is_some() {
            return Err(bad("the path is listed twice"));
        }
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_sorted_and_sha256sum_shaped() {
        let mut s = Sums::new();
        s.insert("b/x".into(), "a".repeat(64));
        s.insert("a".into(), "0".repeat(64));
        let text = render(&s);
        assert_eq!(text, format!("{}  a\n{}  b/x\n", "0".repeat(64), "a".repeat(64)));
        assert_eq!(parse(&text).unwrap(), s);
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse(&format!("{}  ok\nnonsense\n", "0".repeat(64))).unwrap_err();
        assert_eq!(e.0, "SHA256SUMS line 2: expected `<sha256>  <path>`: `nonsense`");
        let e = parse(&format!("{}  ../etc/passwd\n", "0".repeat(64))).unwrap_err();
        assert!(e.0.contains("relative"), "{e}");
        let e = parse(&format!("{}  x\n", "G".repeat(64))).unwrap_err();
        assert!(e.0.contains("64 lowercase hex"), "{e}");
    }
}
