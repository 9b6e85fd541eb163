//! The terminal table and `compare.json`, both pure functions of a [`Comparison`].

use super::diff::{Comparison, StepComparison, StepSide, StepVerdict, TestComparison, TestVerdict};
use crate::report::text::display;

pub fn json(c: &Comparison) -> String {
    serde_json::to_string_pretty(c).expect("a comparison is always serializable") + "\n"
}

/// One line per test that is not `same`, its differing steps indented below it, then one
/// summary line per phase and the verdict. Guest text goes through `text::display` and is
/// cut to one short line.
pub fn table(c: &Comparison) -> String {
    let (r, k) = (&c.reference.profile, &c.candidate.profile);
    let mut out =
        format!("compare: reference {r} (run {}), candidate {k} (run {})\n", c.reference.run_id, c.candidate.run_id);
    for p in &c.phases {
        for t in p.tests.iter().filter(|t| t.verdict != TestVerdict::Same) {
            out.push_str(&format!("{:<16}{}/{}: {}\n", t.verdict.as_str(), p.phase, t.name, test_detail(t, r, k)));
            if t.verdict == TestVerdict::Missing {
                continue;
            }
            let steps: Vec<&StepComparison> = t.steps.iter().filter(|s| s.verdict != StepVerdict::Same).collect();
            let mut i = 0;
            while i < steps.len() {
                let s = steps[i];
                // Steps missing on the same side one after another (the test stopped
                // earlier there) make one line.
                let run = steps[i..]
                    .iter()
                    .take_while(|x| x.verdict == StepVerdict::Missing && x.reference.is_none() == s.reference.is_none())
                    .count();
                if run > 1 {
                    let last = steps[i + run - 1];
                    out.push_str(&format!(
                        "  {:<16}steps {}-{}: {}\n",
                        s.verdict.as_str(),
                        s.index,
                        last.index,
                        step_detail(s, r, k)
                    ));
                    i += run;
                } else {
                    out.push_str(&format!(
                        "  {:<16}step {} {}: {}\n",
                        s.verdict.as_str(),
                        s.index,
                        short(&s.description, 48),
                        step_detail(s, r, k)
                    ));
                    i += 1;
                }
            }
        }
    }
    for p in &c.phases {
        out.push_str(&format!("{}: {}\n", p.phase, p.counts.summary()));
    }
    for n in &c.not_compared {
        out.push_str(&format!("{}: not compared (only run on {})\n", n.phase, n.only_on));
    }
    let verdict = if c.phases.is_empty() {
        format!("FAIL: no phase ran on both {r} and {k}")
    } else if c.passed {
        format!("PASS: {k} matches {r}")
    } else {
        let failing = c.phases.iter().flat_map(|p| &p.tests).filter(|t| t.verdict.fails(c.strict_output)).count();
        format!(
            "FAIL: {failing} test{} of {k} do{} not match {r}",
            plural(failing),
            if failing == 1 { "es" } else { "" }
        )
    };
    out.push_str(&verdict);
    out.push('\n');
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn test_detail(t: &TestComparison, r: &str, k: &str) -> String {
    let status = |s: &Option<super::diff::TestSide>| s.as_ref().map_or("not run", |s| s.status.as_str());
    let message = |s: &Option<super::diff::TestSide>| {
        s.as_ref().and_then(|s| s.message.as_deref()).map(|m| format!(" ({})", short(m, 80))).unwrap_or_default()
    };
    match t.verdict {
        TestVerdict::Missing if t.reference.is_none() => format!("not run on {r}"),
        TestVerdict::Missing => format!("not run on {k}"),
        TestVerdict::ReferenceFails => format!("fails on {r}, the test is wrong on Linux{}", message(&t.reference)),
        _ => format!("{} -> {}{}", status(&t.reference), status(&t.candidate), message(&t.candidate)),
    }
}

fn step_detail(s: &StepComparison, r: &str, k: &str) -> String {
    match s.verdict {
        StepVerdict::Missing if s.reference.is_none() => format!("not run on {r}"),
        StepVerdict::Missing => format!("not run on {k}"),
        StepVerdict::OutputDiffers => match &s.first_difference {
            Some(d) => {
                format!("line {}: {} | {}", d.line, quoted(d.reference.as_deref()), quoted(d.candidate.as_deref()))
            }
            None => "output differs".to_owned(),
        },
        _ => format!("{} -> {}", outcome(s.reference.as_ref()), outcome(s.candidate.as_ref())),
    }
}

fn outcome(s: Option<&StepSide>) -> String {
    let Some(s) = s else { return "not run".to_owned() };
    match s.exit_status {
        Some(e) => format!("{}, exit {e}", s.status.as_str()),
        None => s.status.as_str().to_owned(),
    }
}

fn quoted(line: Option<&str>) -> String {
    line.map_or_else(|| "(end of output)".to_owned(), |l| format!("{:?}", short(l, 40)))
}

/// `text` made safe for a terminal, on one line, cut to `max` characters.
fn short(text: &str, max: usize) -> String {
    let one_line = display(text).replace('\n', "⏎");
    if one_line.chars().count() > max {
        one_line.chars().take(max - 1).collect::<String>() + "…"
    } else {
        one_line
    }
}
