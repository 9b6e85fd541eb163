//! Output normalisation for "same shape" comparisons.

use serde::Serialize;

/// `text` with carriage returns removed, trailing whitespace cut from every line and
/// trailing blank lines dropped.
pub fn clean(text: &str) -> String {
    let lines: Vec<&str> =
        text.split('\n').map(|l| l.trim_end_matches(|c: char| c == '\r' || c.is_whitespace())).collect();
    let keep = lines.iter().rposition(|l| !l.is_empty()).map_or(0, |i| i + 1);
    lines[..keep].iter().map(|l| l.replace('\r', "")).collect::<Vec<_>>().join("\n")
}

/// The shape of an output: `clean`, then every run of ASCII digits replaced by `N`, so
/// PIDs, sizes, times and counters compare equal.
pub fn shape(text: &str) -> String {
    let cleaned = clean(text);
    let mut out = String::with_capacity(cleaned.len());
    let mut in_digits = false;
    for c in cleaned.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// The first line (from 1) whose shape differs, with both cleaned lines (`null` past the
/// end of that side's output).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineDifference {
    pub line: usize,
    pub reference: Option<String>,
    pub candidate: Option<String>,
}

pub fn first_difference(reference: &str, candidate: &str) -> Option<LineDifference> {
    let (r, c) = (clean(reference), clean(candidate));
    let r: Vec<&str> = if r.is_empty() { Vec::new() } else { r.split('\n').collect() };
    let c: Vec<&str> = if c.is_empty() { Vec::new() } else { c.split('\n').collect() };
    (0..r.len().max(c.len())).find(|&i| r.get(i).map(|l| shape(l)) != c.get(i).map(|l| shape(l))).map(|i| {
        LineDifference {
            line: i + 1,
            reference: r.get(i).map(|l| (*l).to_owned()),
            candidate: c.get(i).map(|l| (*l).to_owned()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_ignores_crs_trailing_blanks_and_numbers() {
        assert_eq!(shape("pid 123  \r\nsize 4096\n\n\n"), "pid N\nsize N");
        assert_eq!(shape("a1b22c333"), "aNbNcN");
        assert_eq!(shape("x\r\n"), shape("x"));
        assert_ne!(shape("a b"), shape("a  b"));
        assert_eq!(clean(" lead\t\n"), " lead");
    }

    #[test]
    fn first_difference_names_the_line() {
        let d = first_difference("a\nb 1\nc\n", "a\nb 2\nd\n").unwrap();
        assert_eq!((d.line, d.reference.as_deref(), d.candidate.as_deref()), (3, Some("c"), Some("d")));
        let d = first_difference("a\n", "a\nb\n").unwrap();
        assert_eq!((d.line, d.reference, d.candidate.as_deref()), (2, None, Some("b")));
        assert_eq!(first_difference("a 1", "a 2\n"), None);
    }
}
