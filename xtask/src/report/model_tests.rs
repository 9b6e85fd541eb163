//! Tests of the report model: folding events into reports.
use super::*;
use crate::event::{EventKind, SuiteId, TestId};

fn id(phase: &str, profile: &str, test: &str) -> TestId {
    TestId { suite: SuiteId { phase: phase.into(), profile: profile.into() }, test: test.into() }
}

fn ev(t: f64, kind: EventKind) -> Event {
    Event { t, kind }
}

#[test]
fn unfinished_test_is_failed_as_interrupted() {
    let test = id("boot", "virt", "shell");
    let report = RunReport::from_events(&[
        ev(0.0, EventKind::RunStarted { run_id: "r".into(), started_unix: 0, command: vec![] }),
        ev(1.0, EventKind::TestStarted { test: test.clone() }),
        ev(1.0, EventKind::StepStarted { test: test.clone(), index: 0, description: "boot".into() }),
        ev(4.5, EventKind::MarkerSeen { test: test.clone(), boot: 1, marker: "login".into(), at: 3.0 }),
    ]);
    let t = &report.suites[0].tests[0];
    assert!(t.interrupted);
    assert_eq!(t.outcome, Outcome::Failed { message: INTERRUPTED.into() });
    assert_eq!(t.seconds, 3.5);
    assert_eq!(t.steps[0].outcome, Outcome::Failed { message: INTERRUPTED.into() });
    assert_eq!(t.steps[0].seconds, 3.5);
    assert!(!report.finished);
    assert!(!report.passed());
    assert_eq!(report.seconds, 4.5);
    assert_eq!(report.counts, Counts { passed: 0, failed: 1, skipped: 0, total: 1 });
}

#[test]
fn step_left_open_by_a_finished_test_is_not_finished() {
    let test = id("boot", "virt", "shell");
    let report = RunReport::from_events(&[
        ev(1.0, EventKind::StepStarted { test: test.clone(), index: 2, description: "run".into() }),
        ev(
            2.0,
            EventKind::TestFinished {
                test: test.clone(),
                outcome: Outcome::Failed { message: "timeout".into() },
                seconds: 1.0,
                transcript: None,
            },
        ),
    ]);
    let step = &report.suites[0].tests[0].steps[0];
    assert!(!step.finished);
    assert_eq!(step.outcome, Outcome::Failed { message: STEP_NOT_FINISHED.into() });
    assert_eq!(step.seconds, 1.0);
}

#[test]
fn step_seconds_come_from_timestamps_without_float_noise() {
    let test = id("p", "q", "t");
    let report = RunReport::from_events(&[
        ev(0.1, EventKind::StepStarted { test: test.clone(), index: 0, description: "s".into() }),
        ev(
            0.4,
            EventKind::StepFinished {
                test: test.clone(),
                index: 0,
                outcome: Outcome::Passed,
                output: None,
                exit_status: None,
            },
        ),
    ]);
    assert_eq!(report.suites[0].tests[0].steps[0].seconds, 0.3);
}

#[test]
fn suites_sort_by_phase_then_profile_and_tests_keep_start_order() {
    let report = RunReport::from_events(&[
        ev(0.0, EventKind::TestStarted { test: id("b", "y", "second-suite") }),
        ev(0.0, EventKind::TestStarted { test: id("a", "z", "zeta") }),
        ev(0.0, EventKind::TestSkipped { test: id("a", "z", "alpha"), reason: "no kvm".into() }),
        ev(0.0, EventKind::TestStarted { test: id("a", "y", "x") }),
    ]);
    let order: Vec<_> = report.suites.iter().map(|s| s.name()).collect();
    assert_eq!(order, ["a on y", "a on z", "b on y"]);
    let names: Vec<_> = report.suites[1].tests.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["zeta", "alpha"]);
    assert_eq!(report.suites[1].tests[1].outcome, Outcome::Skipped { reason: "no kvm".into() });
    assert!(!report.suites[1].tests[1].interrupted);
}

#[test]
fn matrix_marks_missing_cells_not_run() {
    let finished =
        |test| ev(0.0, EventKind::TestFinished { test, outcome: Outcome::Passed, seconds: 0.0, transcript: None });
    let report = RunReport::from_events(&[
        finished(id("boot", "virt", "t")),
        finished(id("boot", "ci", "t")),
        finished(id("net", "virt", "t")),
        ev(0.0, EventKind::TestSkipped { test: id("net", "virt", "u"), reason: "r".into() }),
        ev(0.0, EventKind::TestSkipped { test: id("fs", "ci", "u"), reason: "r".into() }),
    ]);
    assert_eq!(report.matrix.phases, ["boot", "fs", "net"]);
    assert_eq!(report.matrix.profiles, ["ci", "virt"]);
    let status: Vec<Vec<_>> =
        report.matrix.rows.iter().map(|r| r.cells.iter().map(|c| c.status.as_str()).collect()).collect();
    assert_eq!(status, [["passed", "passed"], ["skipped", "not run"], ["not run", "passed"]]);
}

#[test]
fn boots_collect_markers_panics_and_exit() {
    let test = id("boot", "virt", "t");
    let report = RunReport::from_events(&[
        ev(
            1.0,
            EventKind::BootStarted {
                test: test.clone(),
                boot: 1,
                command: vec!["qemu".into()],
                serial_log: "s".into(),
            },
        ),
        ev(1.5, EventKind::MarkerSeen { test: test.clone(), boot: 1, marker: "a".into(), at: 0.5 }),
        ev(2.0, EventKind::Panic { test: test.clone(), boot: 1, text: "first".into() }),
        ev(2.1, EventKind::Panic { test: test.clone(), boot: 1, text: "second".into() }),
        ev(9.0, EventKind::MarkerMissing { test: test.clone(), boot: 1, marker: "b".into() }),
        ev(9.25, EventKind::QemuExited { test: test.clone(), boot: 1, status: None, expected: false, stopped: false }),
    ]);
    let t = &report.suites[0].tests[0];
    let boot = &t.boots[0];
    assert_eq!(boot.seconds, Some(8.25));
    assert_eq!(boot.panic.as_deref(), Some("first\nsecond"));
    assert_eq!(boot.qemu_exit, Some(QemuExit { status: None, expected: false, stopped: false }));
    assert_eq!(t.missing_markers().map(|m| m.marker.as_str()).collect::<Vec<_>>(), ["b"]);
    assert_eq!(t.panics().collect::<Vec<_>>(), [(1, "first\nsecond")]);
}
