//! Making untrusted guest output safe and readable in XML and HTML.
//!
//! Guest output may hold anything the kernel wrote: terminal escape sequences, NUL bytes,
//! bells, noncharacters. `display` turns it into text that is valid XML 1.0 character data
//! and reads well in a browser. Markup escaping is left to the XML writer and to the
//! template engine; this module only deals with characters.

use std::sync::LazyLock;

use regex::Regex;

/// CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ST`) and two-byte `ESC x` sequences.
static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]").expect("static regex")
});

/// How a boot's QEMU ended, in words: `exit status 0 (expected)`, `killed by
/// a signal (unexpected)`, or `stopped by xtask (the test was done with the
/// guest)` when the harness stopped it itself.
pub fn qemu_exit(exit: &super::model::QemuExit) -> String {
    let expected = if exit.expected { "expected" } else { "unexpected" };
    match exit.status {
        _ if exit.stopped => "stopped by xtask (the test was done with the guest)".to_owned(),
        Some(status) => format!("exit status {status} ({expected})"),
        None => format!("killed by a signal ({expected})"),
    }
}

/// Returns `text` with terminal escape sequences removed, carriage returns dropped and every
/// other character that XML 1.0 forbids or that would be invisible made visible:
/// C0 controls become their Unicode control pictures (`\x07` -> `␇`), DEL becomes `␡`,
/// C1 controls and the noncharacters U+FFFE/U+FFFF become U+FFFD. Tabs and newlines stay.
pub fn display(text: &str) -> String {
    let text = ANSI.replace_all(text, "");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' | '\n' => out.push(c),
            '\r' => {}
            '\0'..='\x1f' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}')),
            '\x7f' => out.push('\u{2421}'),
            '\u{80}'..='\u{9f}' | '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// The last `n` lines of `text`, without a trailing newline.
pub fn tail_lines(text: &str, n: usize) -> &str {
    let text = text.trim_end_matches('\n');
    match text.rmatch_indices('\n').nth(n.saturating_sub(1)) {
        Some((i, _)) if n > 0 => &text[i + 1..],
        _ if n == 0 => "",
        _ => text,
    }
}

/// A command line as it would be typed into a shell: arguments with spaces or shell
/// metacharacters are single-quoted. Not passed through `display`.
pub fn shell_line(args: &[String]) -> String {
    let quote = |a: &String| {
        if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
            a.clone()
        } else {
            format!("'{}'", a.replace('\'', r"'\''"))
        }
    };
    args.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Whether `c` may appear in an XML 1.0 document.
#[cfg(test)]
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_removes_escapes_and_shows_controls() {
        let raw = "\x1b[31mred\x1b[0m \x1b]0;title\x07ok\r\nbell\x07 nul\0 del\x7f c1\u{85} nc\u{FFFE}\u{FFFF}\ttab";
        assert_eq!(display(raw), "red ok\nbell␇ nul␀ del␡ c1\u{FFFD} nc\u{FFFD}\u{FFFD}\ttab");
    }

    #[test]
    fn display_output_is_xml_text() {
        let every_bmp_char: String = (0..=0xFFFF).filter_map(char::from_u32).collect();
        let shown = display(&every_bmp_char);
        assert!(shown.chars().all(is_xml_char));
    }

    #[test]
    fn shell_line_quotes_what_needs_quoting() {
        let args = ["qemu", "-append", "console=ttyAMA0 rdinit=/init", "it's", ""].map(String::from);
        assert_eq!(shell_line(&args), r"qemu -append 'console=ttyAMA0 rdinit=/init' 'it'\''s' ''");
    }

    #[test]
    fn tail_lines_keeps_the_end() {
        assert_eq!(tail_lines("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail_lines("a\nb\nc", 5), "a\nb\nc");
        assert_eq!(tail_lines("a\nb\nc", 1), "c");
        assert_eq!(tail_lines("a\nb", 0), "");
        assert_eq!(tail_lines("", 3), "");
    }
}
