//! Maps YAML key paths to source positions.
//!
//! serde gives positions only for errors it raises itself; the checks that run
//! after deserialising (regexes, durations, references) need the line of the key
//! they complain about. This walks the parser's event stream once and records
//! where every key and sequence item starts, addressed by a path such as
//! `tests[1].steps[0].timeout`.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser};

#[derive(Debug, Default)]
pub struct KeyIndex {
    positions: HashMap<String, (usize, usize)>,
}

enum Frame {
    Map { path: String, pending_key: Option<String> },
    Seq { path: String, next: usize },
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

impl KeyIndex {
    /// Indexes `text`; malformed YAML yields whatever was indexed before the
    /// error (serde reports the syntax error itself).
    pub fn new(text: &str) -> Self {
        let mut index = KeyIndex::default();
        let mut stack: Vec<Frame> = Vec::new();
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let pos = (span.start.line(), span.start.col() + 1);
            // The path a new value (scalar or collection) gets at this point.
            let value_path = match stack.last_mut() {
                None => Some(String::new()),
                Some(Frame::Map { path, pending_key }) => pending_key.take().map(|k| join(path, &k)),
                Some(Frame::Seq { path, next }) => {
                    let p = format!("{path}[{next}]");
                    *next += 1;
                    index.positions.entry(p.clone()).or_insert(pos);
                    Some(p)
                }
            };
            match event {
                // A scalar with no path yet is a mapping key: remember it and
                // record where it is.
                Event::Scalar(value, ..) if value_path.is_none() => {
                    if let Some(Frame::Map { path, pending_key }) = stack.last_mut() {
                        index.positions.insert(join(path, &value), pos);
                        *pending_key = Some(value.into_owned());
                    }
                }
                Event::MappingStart(..) => {
                    stack.push(Frame::Map { path: value_path.unwrap_or_default(), pending_key: None })
                }
                Event::SequenceStart(..) => stack.push(Frame::Seq { path: value_path.unwrap_or_default(), next: 0 }),
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        index
    }

    /// Line and column (both 1-based) of `path`, or of its nearest indexed parent.
    pub fn find(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(pos) = self.positions.get(p) {
                return Some(*pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_and_sequence_items() {
        let text = "a: 1\nb:\n  c: x\n  d:\n    - e: 1\n      f: 2\n    - e: 3\n";
        let idx = KeyIndex::new(text);
        assert_eq!(idx.find("a"), Some((1, 1)));
        assert_eq!(idx.find("b.c"), Some((3, 3)));
        assert_eq!(idx.find("b.d[0].f"), Some((6, 7)));
        assert_eq!(idx.find("b.d[1].e"), Some((7, 7)));
        assert_eq!(idx.find("b.d[1].zzz"), Some((7, 7)), "falls back to the parent");
        assert_eq!(idx.find("nope"), None);
    }
}
