//! The expect engine: a pure, bounded text buffer fed with serial bytes and
//! searched with regexes. It knows nothing about QEMU or time, so the same
//! code matches live output and recorded transcripts.

use regex::Regex;

use super::clean::{Filtered, Stripper};

/// What a successful search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Noise-free text between the search start and the match.
    pub before: String,
    /// The same span with noise kept: what the guest really printed.
    pub before_raw: String,
    /// The matched text.
    pub matched: String,
    /// Capture groups of the match (`None` where a group did not take part).
    pub groups: Vec<Option<String>>,
}

/// The console text of one boot, with a cursor: searches start at the cursor
/// and a successful search moves it past the match, so old output can never
/// satisfy a later expectation.
#[derive(Debug)]
pub struct Screen {
    stripper: Stripper,
    /// Clean text from `base` on; older text was dropped to bound memory.
    text: String,
    /// How many clean bytes were dropped from the front.
    base: usize,
    /// Absolute offset where the next search starts.
    cursor: usize,
    /// Upper bound on `text` in bytes.
    limit: usize,
    /// Absolute offset up to which whole lines were handed out.
    lines_taken: usize,
    /// Set once the buffer had to drop text the cursor had not reached.
    overflowed: bool,
}

impl Screen {
    pub fn new(limit: usize) -> Screen {
        Screen {
            stripper: Stripper::default(),
            text: String::new(),
            base: 0,
            cursor: 0,
            limit: limit.max(4096),
            lines_taken: 0,
            overflowed: false,
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.stripper.feed(bytes, &mut self.text);
        if self.text.len() > self.limit {
            // Keep the newer half: enough context for any sane pattern.
            let mut cut = self.text.len() - self.limit / 2;
            while !self.text.is_char_boundary(cut) {
                cut += 1;
            }
            if self.base + cut > self.cursor {
                self.overflowed = true;
            }
            self.text.drain(..cut);
            self.base += cut;
            self.cursor = self.cursor.max(self.base);
            self.lines_taken = self.lines_taken.max(self.base);
        }
    }

    /// True when output the cursor had not reached was dropped.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Unsearched text since the cursor (noise included).
    pub fn pending(&self) -> &str {
        &self.text[self.cursor - self.base..]
    }

    /// All retained text (for diagnostics).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The last `n` lines of retained text.
    pub fn tail(&self, n: usize) -> String {
        let lines: Vec<&str> = self.text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// Searches from the cursor with noise removed; on success moves the cursor
    /// past the match.
    pub fn find(&mut self, re: &Regex, noise: &[Regex]) -> Option<Found> {
        let start = self.cursor - self.base;
        let filtered = Filtered::new(&self.text[start..], noise);
        let caps = re.captures(&filtered.text)?;
        let m = caps.get(0)?;
        let raw_end = filtered.original_start(m.start());
        let found = Found {
            before: filtered.text[..m.start()].to_string(),
            before_raw: self.text[start..start + raw_end].to_string(),
            matched: m.as_str().to_string(),
            groups: caps.iter().skip(1).map(|g| g.map(|g| g.as_str().to_string())).collect(),
        };
        self.cursor += filtered.original(m.end());
        Some(found)
    }

    /// Absolute offset of the end of the text: a mark for `find_from`.
    pub fn end(&self) -> usize {
        self.base + self.text.len()
    }

    /// The first match of `re` in the text after absolute offset `from`
    /// (noise removed), with the line it is on (from the mark at most),
    /// leaving the cursor alone: what arrived since a mark.
    pub fn find_from(&self, from: usize, re: &Regex, noise: &[Regex]) -> Option<(String, String)> {
        let start = from.max(self.base) - self.base;
        let filtered = Filtered::new(&self.text[start..], noise);
        let m = re.find(&filtered.text)?;
        let text = &filtered.text;
        let line_start = text[..m.start()].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[m.end()..].find('\n').map_or(text.len(), |i| m.end() + i);
        Some((m.as_str().to_string(), text[line_start..line_end.max(m.end())].to_string()))
    }

    /// Whether the text after absolute offset `from` (noise removed) ends
    /// with a match of `re`: e.g. the shell sits at a prompt printed since.
    pub fn ends_with_from(&self, from: usize, re: &Regex, noise: &[Regex]) -> bool {
        let start = from.max(self.base) - self.base;
        let filtered = Filtered::new(&self.text[start..], noise);
        re.find_iter(&filtered.text).last().is_some_and(|m| m.end() == filtered.text.len())
    }

    /// Complete lines (noise included) that arrived since the last call:
    /// what panic patterns, boot markers and METRIC lines are checked against.
    /// Only whole lines are returned, so a pattern never sees half a line.
    pub fn take_lines(&mut self) -> Vec<String> {
        let from = self.lines_taken - self.base;
        let Some(end) = self.text[from..].rfind('\n').map(|i| from + i + 1) else {
            return Vec::new();
        };
        let lines = self.text[from..end].lines().map(str::to_string).collect();
        self.lines_taken = self.base + end;
        lines
    }

    /// Moves the cursor to the end: everything so far counts as seen.
    pub fn skip_all(&mut self) {
        self.cursor = self.base + self.text.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(s: &str) -> Regex {
        Regex::new(s).unwrap()
    }

    #[test]
    fn cursor_prevents_rematching_old_output() {
        let mut s = Screen::new(1 << 20);
        s.feed(b"one\ntwo\n");
        assert!(s.find(&re("one"), &[]).is_some());
        assert!(s.find(&re("one"), &[]).is_none(), "old output must not match twice");
        let f = s.find(&re(r"t(w)o"), &[]).unwrap();
        assert_eq!(f.before, "\n");
        assert_eq!(f.groups, vec![Some("w".to_string())]);
    }

    #[test]
    fn pattern_split_across_feeds_matches() {
        let mut s = Screen::new(1 << 20);
        s.feed(b"@@XT-E");
        assert!(s.find(&re("@@XT-END:0"), &[]).is_none());
        s.feed(b"ND:0\n");
        assert!(s.find(&re("@@XT-END:0"), &[]).is_some());
    }

    #[test]
    fn kernel_log_inside_prompt_still_matches() {
        let noise = [re(r"\[\s*\d+\.\d+\] [^\n]*\n")];
        let mut s = Screen::new(1 << 20);
        s.feed(b"[root@xt[   3.141592] random: crng init done\nask /]# ");
        let f = s.find(&re(r"\[root@xtask /\]# $"), &noise).unwrap();
        assert_eq!(f.matched, "[root@xtask /]# ");
    }

    #[test]
    fn whole_lines_are_taken_once() {
        let mut s = Screen::new(1 << 20);
        s.feed(b"a\nb\npart");
        assert_eq!(s.take_lines(), vec!["a", "b"]);
        assert!(s.take_lines().is_empty());
        s.feed(b"ial\n");
        assert_eq!(s.take_lines(), vec!["partial"]);
    }

    #[test]
    fn find_from_sees_only_text_after_the_mark_and_keeps_the_cursor() {
        let noise = [re(r"\[\s*\d+\.\d+\] [^\n]*\n")];
        let mut s = Screen::new(1 << 20);
        s.feed(b"old # ");
        let mark = s.end();
        s.feed(b"new [   1.000000] log\nline\nagain # ");
        let (matched, line) = s.find_from(mark, &re("l(og|in)"), &noise).unwrap();
        assert_eq!((matched.as_str(), line.as_str()), ("lin", "new line"));
        assert!(s.find_from(mark, &re("old"), &noise).is_none());
        assert!(s.find(&re("old"), &[]).is_some(), "the cursor did not move");
    }

    #[test]
    fn memory_stays_bounded() {
        let mut s = Screen::new(8192);
        for _ in 0..10_000 {
            s.feed(b"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n");
        }
        assert!(s.text().len() <= 8192);
        assert!(s.overflowed());
        s.feed(b"DONE\n");
        assert!(s.find(&re("DONE"), &[]).is_some());
    }
}
