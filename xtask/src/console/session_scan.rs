//! What a console session looks for in every whole line it receives:
//! panics (with the lines around them), boot markers, METRIC values and,
//! once armed, kernel warnings.

use super::{Console, Note, MAX_WARNINGS, PANIC_CONTEXT_AFTER, PANIC_CONTEXT_BEFORE};

impl Console {
    pub(super) fn scan_lines(&mut self) {
        for line in self.screen.take_lines() {
            if self.panic.is_none() && self.settings.panic.iter().any(|re| re.is_match(&line)) {
                let mut text: Vec<String> = self.recent.iter().cloned().collect();
                text.push(line.clone());
                self.panic = Some(text.join("\n"));
                self.panic_line = line.clone();
            } else if let Some(p) = &mut self.panic {
                if p.lines().count() < PANIC_CONTEXT_BEFORE + PANIC_CONTEXT_AFTER {
                    p.push('\n');
                    p.push_str(&line);
                }
            }
            if let Some(marker) = self.settings.markers.get(self.next_marker) {
                if line.contains(marker.as_str()) {
                    self.notes.push(Note::Marker { marker: marker.clone(), at: self.guest.now() });
                    self.next_marker += 1;
                }
            }
            if let Some((name, value)) = parse_metric(&line) {
                self.notes.push(Note::Metric { name, value });
            }
            if self.warnings_armed {
                // From where it matched: a kernel line may follow a prompt.
                if let Some(m) = self.settings.warning.iter().find_map(|re| re.find(&line)) {
                    self.warnings_seen += 1;
                    if self.warnings_seen <= MAX_WARNINGS {
                        self.notes.push(Note::Warning { line: line[m.start()..].to_string() });
                    } else if self.warnings_seen == MAX_WARNINGS + 1 {
                        let line = "(more warning lines in this boot are not listed; see its serial log)".to_string();
                        self.notes.push(Note::Warning { line });
                    }
                }
            }
            self.recent.push_back(line);
            if self.recent.len() > PANIC_CONTEXT_BEFORE {
                self.recent.pop_front();
            }
        }
    }
}

/// The usual name of a POSIX signal number (Linux numbering).
pub(super) fn signal_name(sig: i32) -> &'static str {
    match sig {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

/// `METRIC name=value` anywhere on a line (kernels may prefix a timestamp).
pub(super) fn parse_metric(line: &str) -> Option<(String, f64)> {
    let rest = &line[line.find("METRIC ")? + "METRIC ".len()..];
    let (name, value) = rest.trim().split_once('=')?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-') {
        return None;
    }
    let value: f64 = value.split_whitespace().next()?.parse().ok()?;
    value.is_finite().then(|| (name.to_string(), value))
}
