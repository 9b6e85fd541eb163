//! The comparison over small hand-built runs: every verdict, the table and `compare.json` as
//! snapshots (`INSTA_UPDATE=always cargo test -p xtask compare::` after a deliberate change),
//! the page's escaping, and the report.json reader against the report writer.

use super::diff::{StepVerdict, TestVerdict};
use super::input::{Status, Step, Suite, Test};
use super::*;

const HOSTILE: &str = "<script>alert(1)</script>\x1b[31m\x07";

fn step(index: usize, status: Status, exit: Option<i32>, output: &str) -> Step {
    Step {
        index,
        description: if index == 0 { "boot".into() } else { format!("run: cmd{index}") },
        status,
        message: (status == Status::Failed).then(|| format!("step {index} failed")),
        output: (index > 0).then(|| output.to_owned()),
        exit_status: exit,
    }
}

fn test(name: &str, status: Status, steps: Vec<Step>) -> Test {
    let message = match status {
        Status::Passed => None,
        Status::Failed => Some("a step failed".to_owned()),
        Status::Skipped => Some("missing capability network".to_owned()),
    };
    Test { name: name.into(), status, message, steps }
}

use Status::{Failed as F, Passed as P, Skipped as S};

fn linux() -> Vec<Suite> {
    let a1 = vec![
        test("same", P, vec![step(0, P, None, ""), step(1, P, Some(0), "hi\n")]),
        test("pids", P, vec![step(0, P, None, ""), step(1, P, Some(0), "pid 120\r\n")]),
        test("mounts", P, vec![step(0, P, None, ""), step(1, P, Some(0), "rootfs / rootfs rw,size=205312k 0 0\n")]),
        test("exit", P, vec![step(0, P, None, ""), step(1, P, Some(0), "")]),
        test("regress", P, vec![step(0, P, None, ""), step(1, P, Some(0), "ok\n"), step(2, P, Some(0), "")]),
        test("linux-broken", F, vec![step(0, P, None, ""), step(1, F, Some(1), "")]),
        test("skipped-here", P, vec![step(0, P, None, ""), step(1, P, Some(0), "")]),
        test("only-linux", P, vec![step(0, P, None, "")]),
    ];
    vec![
        Suite { phase: "phase-a0".into(), profile: "linux-aarch64".into(), tests: vec![test("boot", P, vec![])] },
        Suite { phase: "phase-a1".into(), profile: "linux-aarch64".into(), tests: a1 },
    ]
}

fn ours() -> Vec<Suite> {
    let a1 = vec![
        test("same", P, vec![step(0, P, None, ""), step(1, P, Some(0), "hi\n")]),
        test("pids", P, vec![step(0, P, None, ""), step(1, P, Some(0), "pid 30\n")]),
        test(
            "mounts",
            P,
            vec![step(0, P, None, ""), step(1, P, Some(0), &format!("rootfs / rootfs rw 0 0\n{HOSTILE}\n"))],
        ),
        test("exit", P, vec![step(0, P, None, ""), step(1, P, Some(2), "")]),
        Test {
            message: Some(format!("output was {HOSTILE}")),
            ..test("regress", F, vec![step(0, P, None, ""), step(1, F, Some(0), "ko\n")])
        },
        test("linux-broken", F, vec![step(0, P, None, ""), step(1, F, Some(1), "")]),
        test("skipped-here", S, vec![]),
        test("only-ours", P, vec![]),
    ];
    vec![Suite { phase: "phase-a1".into(), profile: "virt-aarch64".into(), tests: a1 }]
}

fn both() -> Run {
    Run { id: "20261122-170000-1".into(), suites: linux().into_iter().chain(ours()).collect() }
}

fn comparison(strict: bool) -> Comparison {
    let run = both();
    compare(&run, "linux-aarch64", &run, "virt-aarch64", strict)
}

#[test]
fn verdicts() {
    let c = comparison(false);
    let verdicts: Vec<(&str, TestVerdict)> = c.phases[0].tests.iter().map(|t| (t.name.as_str(), t.verdict)).collect();
    assert_eq!(
        verdicts,
        [
            ("same", TestVerdict::Same),
            ("pids", TestVerdict::Same),
            ("mounts", TestVerdict::OutputDiffers),
            ("exit", TestVerdict::Differs),
            ("regress", TestVerdict::Regression),
            ("linux-broken", TestVerdict::ReferenceFails),
            ("skipped-here", TestVerdict::Differs),
            ("only-linux", TestVerdict::Missing),
            ("only-ours", TestVerdict::Missing),
        ]
    );
    let pids = &c.phases[0].tests[1].steps[1];
    assert!(!pids.output_equal && pids.output_shape_equal && pids.verdict == StepVerdict::Same);
    let regress: Vec<StepVerdict> = c.phases[0].tests[4].steps.iter().map(|s| s.verdict).collect();
    assert_eq!(regress, [StepVerdict::Same, StepVerdict::Differs, StepVerdict::Missing]);
    assert!(!c.passed);
    assert_eq!(c.not_compared.len(), 1);
    assert_eq!(
        c.counts.summary(),
        "9 tests, 2 same, 1 output differs, 2 differs, 1 regression, 1 reference fails, 2 missing"
    );
}

#[test]
fn output_differences_fail_only_when_strict() {
    let keep = |names: &[&str], suites: Vec<Suite>| -> Vec<Suite> {
        suites
            .into_iter()
            .map(|mut s| {
                s.tests.retain(|t| names.contains(&t.name.as_str()));
                s
            })
            .collect()
    };
    let names = ["same", "pids", "mounts"];
    let run = Run { id: "r".into(), suites: keep(&names, linux()).into_iter().chain(keep(&names, ours())).collect() };
    assert!(compare(&run, "linux-aarch64", &run, "virt-aarch64", false).passed);
    assert!(!compare(&run, "linux-aarch64", &run, "virt-aarch64", true).passed);
}

#[test]
fn nothing_in_common_does_not_pass() {
    let run = both();
    let c = compare(&run, "linux-aarch64", &run, "nonexistent", false);
    assert!(c.phases.is_empty() && !c.passed);
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!("table", render::table(&comparison(false)));
}

#[test]
fn table_shows_guest_text_safely() {
    let table = render::table(&comparison(false));
    assert!(!table.contains('\x1b') && !table.contains('\x07'), "terminal escapes reached the table");
    assert!(table.contains("output was <script>alert(1)</script>␇"), "{table}");
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("compare.json", render::json(&comparison(false)));
}

#[test]
fn page_escapes_guest_text_and_is_self_contained() {
    let page = html::render(&comparison(false));
    assert!(!page.contains("<script"), "guest markup reached compare.html unescaped");
    assert!(page.contains("&lt;script&gt;"));
    assert!(!page.contains('\x1b') && !page.contains('\x07'));
    for external in ["<link", "src=", "url(", "@import", "http://", "https://"] {
        assert!(!page.contains(external), "compare.html references an external asset: {external}");
    }
}

#[test]
fn reads_what_the_report_writer_writes() {
    let report = crate::report::fixture::report();
    let from_json = Run::from_json(&crate::report::json::render(&report)).unwrap();
    assert_eq!(from_json, Run::from_report(&report));
    assert!(from_json.suites.iter().any(|s| s.tests.iter().any(|t| !t.steps.is_empty())));
}

#[test]
fn rejects_other_files() {
    assert_eq!(
        Run::from_json(r#"{"schema_version": 2}"#).unwrap_err(),
        "schema_version 2 is not supported (expected 1)"
    );
    assert_eq!(Run::from_json("{}").unwrap_err(), "no `schema_version`: not a report.json");
    assert!(Run::from_json("[").unwrap_err().starts_with("not JSON: "));
    let e = Run::from_json(r#"{"schema_version": 1, "run": {"id": "x"}}"#).unwrap_err();
    assert!(e.starts_with("not a report.json: missing field `suites`"), "{e}");
}

#[test]
fn line_diff_shows_changes_with_context_between_hunks() {
    let reference = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
    let candidate = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nK\n";
    // `=` stands for the tag of an unchanged line (a space) here.
    let d: Vec<String> = html::line_diff(reference, candidate)
        .into_iter()
        .map(|(t, l)| format!("{}{l}", if t == " " { "=" } else { &t }))
        .collect();
    insta::assert_snapshot!(d.join("\n"), @r"
    =a
    -b
    +B
    =c
    =d
    =e
    …
    =h
    =i
    =j
    -k
    +K
    ");
}

#[test]
fn page_shows_a_diff_of_differing_outputs() {
    let page = html::render(&comparison(false));
    assert!(page.contains(r#"<pre class="diff">"#), "a step with differing output gets a diff");
    assert!(page.contains(r#"<span class="del">-"#) && page.contains(r#"<span class="ins">+"#));
}
