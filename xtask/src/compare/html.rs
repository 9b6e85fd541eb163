//! `compare.html`: one self-contained page (inline CSS, no scripts, no external assets),
//! rendered with HTML autoescaping; guest text also goes through `text::display`.

use minijinja::{AutoEscape, Environment};

use super::diff::Comparison;
use crate::report::text::display;

const TEMPLATE: &str = include_str!("templates/compare.html");

/// Lines of a unified diff from `reference` to `candidate` output, as
/// `(tag, text)` with tag `-`, `+` or ` `, three lines of context around each
/// change, `…` between hunks; at most `MAX_DIFF_LINES` (then a last `…`).
pub fn line_diff(reference: &str, candidate: &str) -> Vec<(String, String)> {
    let diff = similar::TextDiff::from_lines(reference, candidate);
    let mut out = Vec::new();
    for (i, group) in diff.grouped_ops(3).iter().enumerate() {
        if i > 0 {
            out.push(("…".to_string(), String::new()));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let tag = match change.tag() {
                    similar::ChangeTag::Delete => "-",
                    similar::ChangeTag::Insert => "+",
                    similar::ChangeTag::Equal => " ",
                };
                if out.len() == MAX_DIFF_LINES {
                    out.push(("…".to_string(), "(diff cut here)".to_string()));
                    return out;
                }
                out.push((tag.to_string(), change.value().trim_end_matches('\n').to_string()));
            }
        }
    }
    out
}

/// Longest diff shown per step.
const MAX_DIFF_LINES: usize = 200;

pub fn render(c: &Comparison) -> String {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("show", |s: &str| display(s));
    env.add_function("line_diff", |a: Option<String>, b: Option<String>| {
        minijinja::Value::from_serialize(line_diff(a.as_deref().unwrap_or(""), b.as_deref().unwrap_or("")))
    });
    env.add_template("compare.html", TEMPLATE).expect("the embedded template parses");
    let template = env.get_template("compare.html").expect("the embedded template parses");
    template.render(minijinja::context! { c => c }).expect("the embedded template renders every comparison")
}
