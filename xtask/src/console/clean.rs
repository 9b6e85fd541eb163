//! Turns raw serial bytes into the text that patterns are matched against.
//!
//! Escape sequences (colours, cursor moves, bracketed-paste toggles) and
//! carriage returns are dropped; the raw bytes stay in the transcript. The
//! stripper keeps its state between chunks, so a sequence split across two
//! reads is still removed.

use regex::Regex;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Text,
    /// After ESC.
    Escape,
    /// Inside `ESC [ ...` until a final byte in 0x40..=0x7e.
    Csi,
    /// Inside `ESC ] ...` until BEL or `ESC \`.
    Osc,
    /// Saw ESC inside an OSC string.
    OscEscape,
}

/// Incremental ANSI/CR stripper with UTF-8 decoding across chunk borders.
#[derive(Debug, Default)]
pub struct Stripper {
    state: State,
    /// Bytes of an incomplete UTF-8 sequence carried to the next chunk.
    pending: Vec<u8>,
}

impl Stripper {
    /// Appends the printable text of `bytes` to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut String) {
        let mut text = Vec::with_capacity(bytes.len());
        for &b in bytes {
            self.state = match (self.state, b) {
                (State::Text, 0x1b) => State::Escape,
                (State::Text, b'\r' | 0x00 | 0x07) => State::Text,
                (State::Text, _) => {
                    text.push(b);
                    State::Text
                }
                (State::Escape, b'[') => State::Csi,
                (State::Escape, b']') => State::Osc,
                // Two-byte sequences such as `ESC =` or `ESC M`.
                (State::Escape, _) => State::Text,
                (State::Csi, 0x40..=0x7e) => State::Text,
                (State::Csi, _) => State::Csi,
                (State::Osc, 0x07) => State::Text,
                (State::Osc, 0x1b) => State::OscEscape,
                (State::Osc, _) => State::Osc,
                (State::OscEscape, b'\\') => State::Text,
                (State::OscEscape, _) => State::Osc,
            };
        }
        self.pending.extend_from_slice(&text);
        let valid_up_to = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let rest = self.pending.split_off(valid_up_to);
        out.push_str(&String::from_utf8_lossy(&self.pending));
        self.pending = rest;
    }
}

/// Text with noise (kernel log lines) removed, plus a map back to offsets in
/// the unfiltered text so a match can be located in the original.
pub struct Filtered {
    pub text: String,
    /// `(filtered_start, original_start)` of each kept segment, ascending.
    segments: Vec<(usize, usize)>,
}

impl Filtered {
    /// Removes every match of `noise` from `text`. A kernel log line may land
    /// in the middle of a command's output line, so matches are removed wherever
    /// they are, not only at line starts.
    pub fn new(text: &str, noise: &[Regex]) -> Filtered {
        let mut cuts: Vec<(usize, usize)> =
            noise.iter().flat_map(|re| re.find_iter(text).map(|m| (m.start(), m.end()))).collect();
        cuts.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut segments = Vec::new();
        let mut pos = 0;
        for (start, end) in cuts {
            if end <= pos {
                continue;
            }
            if start > pos {
                segments.push((out.len(), pos));
                out.push_str(&text[pos..start]);
            }
            pos = pos.max(end);
        }
        if pos < text.len() {
            segments.push((out.len(), pos));
            out.push_str(&text[pos..]);
        }
        Filtered { text: out, segments }
    }

    /// Offset in the original text of the character at `filtered` (a start
    /// position: noise just before it counts as before it).
    pub fn original_start(&self, filtered: usize) -> usize {
        match self.segments.iter().rev().find(|(f, _)| *f <= filtered) {
            Some((f, o)) => o + (filtered - f),
            None => filtered,
        }
    }

    /// Offset in the original text of `filtered` offset (an end position).
    pub fn original(&self, filtered: usize) -> usize {
        match self.segments.iter().rev().find(|(f, _)| *f < filtered || (*f == 0 && filtered == 0)) {
            Some((f, o)) => o + (filtered - f),
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(chunks: &[&[u8]]) -> String {
        let mut s = Stripper::default();
        let mut out = String::new();
        for c in chunks {
            s.feed(c, &mut out);
        }
        out
    }

    #[test]
    fn strips_csi_osc_and_cr() {
        assert_eq!(strip(&[b"\x1b[1;32mgreen\x1b[0m\r\n"]), "green\n");
        assert_eq!(strip(&[b"a\x1b]0;title\x07b"]), "ab");
        assert_eq!(strip(&[b"\x1b[?2004hprompt"]), "prompt");
    }

    #[test]
    fn sequences_split_across_chunks() {
        assert_eq!(strip(&[b"x\x1b", b"[31", b"my"]), "xy");
        // "é" split between two reads.
        assert_eq!(strip(&[b"caf\xc3", b"\xa9!"]), "café!");
    }

    #[test]
    fn noise_removed_mid_line_and_offsets_map_back() {
        let noise = [Regex::new(r"\[\s*\d+\.\d+\] [^\n]*\n").unwrap()];
        let text = "hel[    1.234567] virtio: noise\nlo\n";
        let f = Filtered::new(text, &noise);
        assert_eq!(f.text, "hello\n");
        let end = f.text.find("lo").unwrap() + 2;
        assert_eq!(&text[..f.original(end)], "hel[    1.234567] virtio: noise\nlo");
        assert_eq!(f.original(3), 3);
        assert_eq!(f.original_start(3), text.find("lo").unwrap(), "noise before a start position counts as before it");
        let leading = Filtered::new("[    1.000000] x\nrest", &noise);
        assert_eq!(leading.original_start(0), "[    1.000000] x\n".len());
        assert_eq!(f.original(0), 0);
    }
}
