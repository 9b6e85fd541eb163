//! `index.html`: one self-contained page (inline CSS, no scripts, no external assets).
//!
//! The template walks the serialized model with HTML autoescaping on, so guest output can't
//! inject markup; the `show` filter additionally strips terminal escapes and makes control
//! characters visible (see `text::display`).

use chrono::DateTime;
use minijinja::{AutoEscape, Environment, Value};
use serde::Serialize;

use super::model::RunReport;
use super::text::{display, shell_line};

const TEMPLATE: &str = include_str!("templates/report.html");

pub fn render(report: &RunReport) -> String {
    #[derive(Serialize)]
    struct Context<'a> {
        report: &'a RunReport,
        passed: bool,
    }
    let env = environment();
    let template = env.get_template("report.html").expect("the embedded template parses");
    template.render(Context { report, passed: report.passed() }).expect("the embedded template renders every model")
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("show", |s: &str| display(s));
    env.add_filter("secs", secs);
    env.add_filter("utc", utc);
    env.add_filter("number", number);
    env.add_filter("shell", shell);
    env.add_filter("slug", slug);
    env.add_template("report.html", TEMPLATE).expect("the embedded template parses");
    env
}

/// Human duration: `850 ms`, `12.34 s`, `3 m 07 s`.
fn secs(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        "–".to_owned()
    } else if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1000.0)
    } else if seconds < 60.0 {
        format!("{seconds:.2} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} m {:02} s", whole / 60, whole % 60)
    }
}

fn utc(unix: u64) -> String {
    i64::try_from(unix)
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .map_or_else(|| unix.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// Metric values: integers without a fraction, others with up to three decimals.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        let s = format!("{value:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn shell(args: Vec<String>) -> String {
    display(&shell_line(&args))
}

/// A fragment identifier made of `[a-z0-9-]`.
fn slug(value: Value) -> String {
    let s = value.to_string();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    #[test]
    fn guest_script_is_escaped() {
        let html = render(&fixture::report());
        assert!(!html.contains("<script"), "guest markup reached index.html unescaped");
        assert!(html.contains("&lt;script&gt;"), "the escaped guest markup should still be shown");
    }

    #[test]
    fn page_is_self_contained() {
        let html = render(&fixture::report());
        for external in ["<link", "src=", "url(", "@import", "http://", "https://"] {
            assert!(!html.contains(external), "index.html references an external asset: {external}");
        }
    }

    #[test]
    fn filters() {
        assert_eq!(secs(0.0421), "42 ms");
        assert_eq!(secs(12.345), "12.35 s");
        assert_eq!(secs(187.0), "3 m 07 s");
        assert_eq!(number(42.0), "42");
        assert_eq!(number(1.25), "1.25");
        assert_eq!(slug(Value::from("Boot on aarch64-virt")), "boot-on-aarch64-virt");
    }
}
