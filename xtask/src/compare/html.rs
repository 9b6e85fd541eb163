//! `compare.html`: one self-contained page (inline CSS, no scripts, no external assets),
//! rendered with HTML autoescaping; guest text also goes through `text::display`.

use minijinja::{AutoEscape, Environment};

use super::diff::Comparison;
use crate::report::text::display;

const TEMPLATE: &str = include_str!("templates/compare.html");

pub fn render(c: &Comparison) -> String {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("show", |s: &str| display(s));
    env.add_template("compare.html", TEMPLATE).expect("the embedded template parses");
    let template = env.get_template("compare.html").expect("the embedded template parses");
    template.render(minijinja::context! { c => c }).expect("the embedded template renders every comparison")
}
