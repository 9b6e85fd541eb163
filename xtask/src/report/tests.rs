//! Snapshot tests of the three renderers over `fixture::events()`, and the file-writing API.
//!
//! The fixture has no volatile values (fixed run id, start time and durations), so the
//! snapshots need no redaction. After a deliberate change run
//! `INSTA_UPDATE=always cargo test -p xtask report::` (or `cargo insta review`) and read the
//! diff in `snapshots/`.

use std::fs;

use super::*;

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit.xml", junit::render(&fixture::report()));
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("index.html", html::render(&fixture::report()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("report.json", json::render(&fixture::report()));
}

#[test]
fn json_keeps_guest_output_verbatim() {
    let json: serde_json::Value = serde_json::from_str(&json::render(&fixture::report())).unwrap();
    assert_eq!(json["schema_version"], 1);
    let output = &json["suites"][2]["tests"][0]["steps"][1]["output"];
    assert_eq!(output.as_str().unwrap(), format!("{}\n", fixture::HOSTILE));
}

#[test]
fn write_all_writes_every_report_and_round_trips_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let events = fixture::events();
    let written = write_all(&out, &events, &fixture::transcript).unwrap();

    let mut names: Vec<String> =
        fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["events.jsonl", "index.html", "junit.xml", "report.json"], "no temporary file may be left");

    assert_eq!(load_events(&written.events).unwrap(), events);
    let report = fixture::report();
    assert_eq!(fs::read_to_string(&written.junit).unwrap(), junit::render(&report));
    assert_eq!(fs::read_to_string(&written.html).unwrap(), html::render(&report));
    assert_eq!(fs::read_to_string(&written.json).unwrap(), json::render(&report));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&written.html).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}

#[test]
fn write_all_replaces_previous_reports() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("junit.xml"), "stale").unwrap();
    write_all(dir.path(), &fixture::events(), &|_| None).unwrap();
    assert!(fs::read_to_string(dir.path().join("junit.xml")).unwrap().starts_with("<?xml"));
}

#[test]
fn load_events_ignores_a_torn_last_line_only() {
    let events = fixture::events();
    let full = events_jsonl(&events).unwrap();
    let torn = format!("{full}{{\"t\":99.0,\"kind\":{{\"ev");
    assert_eq!(parse_events(&torn).unwrap(), events);

    let with_blank = format!("\n{full}\n");
    assert_eq!(parse_events(&with_blank).unwrap(), events);

    let broken_middle = format!("{{\"t\":1}}\n{full}");
    let err = parse_events(&broken_middle).unwrap_err().to_string();
    assert!(err.starts_with("line 1: "), "{err}");

    let torn_but_terminated = format!("{full}{{\"t\":\n");
    assert!(parse_events(&torn_but_terminated).is_err());
}

#[test]
fn load_events_names_the_file() {
    let err = load_events(std::path::Path::new("/nonexistent/events.jsonl")).unwrap_err();
    assert_eq!(err.to_string(), "failed to read /nonexistent/events.jsonl");
}

#[test]
fn every_renderer_accepts_an_empty_or_truncated_log() {
    let events = fixture::events();
    for len in [0, 1, 10, events.len() / 2, events.len() - 1] {
        let report = RunReport::from_events(&events[..len]);
        assert!(!report.passed(), "a log without run_finished never passes");
        let html = html::render(&report);
        assert!(html.contains("Incomplete run"));
        assert!(junit::render(&report).starts_with("<?xml"));
        serde_json::from_str::<serde_json::Value>(&json::render(&report)).unwrap();
    }
}
