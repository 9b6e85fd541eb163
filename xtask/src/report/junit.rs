//! `junit.xml`: one `<testsuite>` per (phase, profile), one `<testcase>` per test.
//!
//! The output validates against `testdata/junit.xsd`, which follows the Jenkins
//! `junit-10.xsd` shape. Every guest-derived string goes through `text::display` first:
//! `quick-junit` strips C0 controls and ANSI escapes itself but lets the noncharacters
//! U+FFFE/U+FFFF through, which no XML parser accepts.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{RunReport, SuiteReport, TestReport};
use super::text::{display, shell_line, tail_lines};
use crate::event::Outcome;

/// Lines of transcript quoted in a `<failure>`.
pub const FAILURE_TAIL_LINES: usize = 40;

pub fn render(report: &RunReport) -> String {
    let mut junit = Report::new(display(&format!("xtask run {}", report.run_id)));
    junit.set_time(duration(report.seconds));
    for suite in &report.suites {
        junit.add_test_suite(test_suite(report, suite));
    }
    junit.to_string().expect("serializing to a String cannot fail")
}

fn test_suite(report: &RunReport, suite: &SuiteReport) -> TestSuite {
    let mut ts = TestSuite::new(display(&suite.name()));
    ts.set_time(duration(suite.seconds));
    ts.set_timestamp(timestamp(report.started_unix, suite.started_at));
    let classname = display(&format!("{}.{}", suite.phase, suite.profile));
    for test in &suite.tests {
        let mut tc = TestCase::new(display(&test.name), status(test));
        tc.set_classname(classname.as_str());
        tc.set_time(duration(test.seconds));
        tc.set_system_out(display(&system_out(suite, test)));
        ts.add_test_case(tc);
    }
    ts
}

fn status(test: &TestReport) -> TestCaseStatus {
    match &test.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Skipped { reason } => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(display(reason));
            status
        }
        Outcome::Failed { message } => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(display(message));
            status.set_description(display(&failure_text(test, message)));
            status
        }
    }
}

/// The transcript tail; without a transcript, the panic and triage texts; at least the message.
fn failure_text(test: &TestReport, message: &str) -> String {
    if let Some(transcript) = &test.transcript_text {
        let tail = tail_lines(transcript, FAILURE_TAIL_LINES);
        return format!("{message}\n--- last {FAILURE_TAIL_LINES} lines of the transcript ---\n{tail}\n");
    }
    let mut text = format!("{message}\n");
    for (boot, panic) in test.panics() {
        let _ = write!(text, "--- panic (boot {boot}) ---\n{}\n", panic.trim_end());
    }
    for triage in &test.triage {
        let _ = write!(text, "--- {} ---\n{}\n", triage.title, triage.text.trim_end());
    }
    text
}

/// Everything known about the test, as plain text: steps with their output, boots and
/// markers, metrics, panics, triage and finally the full transcript.
fn system_out(suite: &SuiteReport, test: &TestReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "test: {} ({})", test.name, suite.name());
    let _ = writeln!(out, "result: {} ({:.3}s)", outcome_line(&test.outcome), test.seconds);
    for step in &test.steps {
        let _ = writeln!(out, "step {}: {}", step.index, step.description);
        let _ = writeln!(out, "  result: {} ({:.3}s)", outcome_line(&step.outcome), step.seconds);
        if let Some(status) = step.exit_status {
            let _ = writeln!(out, "  exit status: {status}");
        }
        if let Some(output) = step.output.as_deref().filter(|o| !o.is_empty()) {
            for line in output.trim_end_matches('\n').lines() {
                let _ = writeln!(out, "  | {line}");
            }
        }
    }
    for boot in &test.boots {
        let _ = writeln!(out, "boot {}: {}", boot.boot, shell_line(&boot.command));
        if !boot.serial_log.is_empty() {
            let _ = writeln!(out, "  serial log: {}", boot.serial_log);
        }
        for marker in &boot.markers {
            let _ = match marker.at {
                Some(at) => writeln!(out, "  marker {:?} at {at:.3}s", marker.marker),
                None => writeln!(out, "  marker {:?} MISSING", marker.marker),
            };
        }
        if let Some(exit) = boot.qemu_exit {
            let _ = writeln!(out, "  qemu: {}", super::text::qemu_exit(&exit));
        }
    }
    for metric in &test.metrics {
        let _ = writeln!(out, "metric {} = {}", metric.name, metric.value);
    }
    for (boot, panic) in test.panics() {
        let _ = write!(out, "--- panic (boot {boot}) ---\n{}\n", panic.trim_end());
    }
    for triage in &test.triage {
        let _ = write!(out, "--- triage: {} ---\n{}\n", triage.title, triage.text.trim_end());
    }
    if let Some(path) = &test.transcript {
        match &test.transcript_text {
            Some(text) => {
                let _ = write!(out, "--- transcript: {path} ---\n{}\n", text.trim_end_matches('\n'));
            }
            None => {
                let _ = writeln!(out, "--- transcript: {path} (text not available) ---");
            }
        }
    }
    out
}

fn outcome_line(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed => "passed".to_owned(),
        Outcome::Failed { message } => format!("failed: {message}"),
        Outcome::Skipped { reason } => format!("skipped: {reason}"),
    }
}

/// Negative or non-finite durations (a malformed log) become zero instead of panicking.
fn duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds).unwrap_or_default()
}

fn timestamp(started_unix: u64, offset_seconds: f64) -> DateTime<FixedOffset> {
    let millis = i64::try_from(started_unix).unwrap_or(0).saturating_mul(1000)
        + (offset_seconds.max(0.0) * 1000.0).round() as i64;
    DateTime::from_timestamp_millis(millis).unwrap_or_default().fixed_offset()
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;
    use crate::report::fixture;
    use crate::report::text::is_xml_char;

    #[test]
    fn quick_junit_lets_noncharacters_through() {
        // Why `display` runs before quick-junit: it strips C0 controls but not U+FFFE/U+FFFF.
        let s = quick_junit::XmlString::new("a\x07b\u{FFFF}c");
        assert_eq!(s.as_str(), "ab\u{FFFF}c");
    }

    #[test]
    fn guest_output_cannot_break_the_xml() {
        let xml = render(&fixture::report());
        assert!(xml.chars().all(is_xml_char), "a character XML 1.0 forbids reached junit.xml");
        assert!(!xml.contains("<script>"), "guest markup must be escaped");
        assert!(xml.contains("&lt;script&gt;alert(&quot;guest&quot;)&lt;/script&gt;"));
    }

    #[test]
    fn failure_quotes_the_transcript_tail() {
        let mut report = fixture::report();
        let test = report.suites.iter_mut().flat_map(|s| &mut s.tests).find(|t| t.outcome.is_failure()).unwrap();
        let transcript: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        test.transcript_text = Some(transcript);
        let text = failure_text(test, "boom");
        assert!(text.contains("line 61\n") && text.contains("line 100\n"));
        assert!(!text.contains("line 60\n"));
    }

    #[test]
    fn validates_against_the_junit_schema() {
        let Ok(probe) = Command::new("xmllint").arg("--version").output() else {
            eprintln!("skipping validates_against_the_junit_schema: xmllint not installed (apt package libxml2-utils)");
            return;
        };
        assert!(probe.status.success(), "xmllint --version failed");
        let dir = tempfile::tempdir().unwrap();
        let xml_path = dir.path().join("junit.xml");
        std::fs::write(&xml_path, render(&fixture::report())).unwrap();
        let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/report/testdata/junit.xsd");
        let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(&xml_path).output().unwrap();
        assert!(
            out.status.success(),
            "junit.xml does not validate:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn durations_never_panic() {
        assert_eq!(duration(-1.0), Duration::ZERO);
        assert_eq!(duration(f64::NAN), Duration::ZERO);
        assert_eq!(duration(1.5), Duration::from_millis(1500));
    }
}
