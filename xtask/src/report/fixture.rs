//! A hand-built event log that exercises every part of the reports: two phases x two
//! profiles with one cell not run, passed, failed (panic + triage) and skipped tests, boot
//! markers with one missing, metrics, and hostile guest output (control characters,
//! terminal escapes, a noncharacter and `<script>`).

use crate::event::{Event, EventKind, Outcome, SuiteId, TestId};

use super::model::RunReport;

pub const HOSTILE: &str = "bell\x07 \x1b[31mred\x1b[0m <script>alert(\"guest\")</script> nul\0 nc\u{FFFF} amp&";

pub fn report() -> RunReport {
    let mut report = RunReport::from_events(&events());
    report.attach_transcripts(&transcript);
    report
}

/// Transcript text by path; the `write-stdout` transcript is deliberately unreadable.
pub fn transcript(path: &str) -> Option<String> {
    match path {
        "boot-on-aarch64-virt/reaches-shell.cast" => Some(
            "Booting kernel 0.1.0 (aarch64)\nmmu: enabled\ninit: started\n/ # uname -a\nLinux kernel 0.1.0 aarch64\n/ # \n"
                .to_owned(),
        ),
        "boot-on-ci/reaches-shell.cast" => {
            let mut text = String::from("Booting kernel 0.1.0 (aarch64)\r\nmmu: enabled\r\n");
            text.push_str("frame allocator: 65536 frames\r\n");
            text.push_str(&format!("guest says: {HOSTILE}\r\n"));
            text.push_str("panicked at kernel/src/mm/frame.rs:88:9:\r\nout of frames: requested 4, 0 free\r\n");
            Some(text)
        }
        _ => None,
    }
}

pub fn events() -> Vec<Event> {
    let mut log = Log::default();
    log.at(
        0.0,
        EventKind::RunStarted {
            run_id: "20260801-120000-3f9c".into(),
            started_unix: 1_785_585_600,
            command: ["cargo", "xtask", "test", "--profile", "aarch64-virt", "--profile", "ci"]
                .map(String::from)
                .into(),
        },
    );
    log.at(
        0.4,
        EventKind::Artifact {
            profile: "aarch64-virt".into(),
            name: "kernel".into(),
            path: "target/aarch64-unknown-none/release/kernel".into(),
            cached: false,
            seconds: 41.2,
        },
    );
    log.at(
        0.5,
        EventKind::Artifact {
            profile: "aarch64-virt".into(),
            name: "initramfs".into(),
            path: ".cache/xtask/initramfs-9c1e.cpio".into(),
            cached: true,
            seconds: 0.01,
        },
    );

    // boot on aarch64-virt: one pass, one skip.
    let suite = suite("boot", "aarch64-virt");
    log.at(
        1.0,
        EventKind::SuiteStarted {
            suite: suite.clone(),
            title: "Boot to a shell".into(),
            scenario_file: "scenarios/01-boot.yaml".into(),
            tests: Vec::new(),
        },
    );
    let test = test(&suite, "reaches-shell");
    log.at(1.0, EventKind::TestStarted { test: test.clone() });
    log.at(1.0, step_started(&test, 0, "boot to the shell prompt"));
    log.at(1.05, boot_started(&test, "boot-on-aarch64-virt/reaches-shell/boot-1.serial.log"));
    for (marker, at) in [("Booting kernel", 0.18), ("mmu: enabled", 0.42), ("init: started", 1.35), ("/ # ", 2.05)] {
        log.at(1.05 + at, EventKind::MarkerSeen { test: test.clone(), boot: 1, marker: marker.into(), at });
    }
    log.at(3.1, EventKind::PromptSeen { test: test.clone(), boot: 1, at: 2.05 });
    log.at(
        3.2,
        EventKind::KernelWarning { test: test.clone(), boot: 1, line: "[    2.100000] <b>irq</b> storm".into() },
    );
    log.at(3.1, step_finished(&test, 0, Outcome::Passed, None, None));
    log.at(3.1, step_started(&test, 1, "run `uname -a`"));
    log.at(3.35, step_finished(&test, 1, Outcome::Passed, Some("Linux kernel 0.1.0 aarch64\n"), Some(0)));
    log.at(3.35, metric(&test, "boot_ms", 2050.0));
    log.at(3.35, metric(&test, "heap_used_kib", 812.5));
    log.at(3.6, EventKind::QemuExited { test: test.clone(), boot: 1, status: Some(0), expected: true, stopped: false });
    log.at(
        3.6,
        EventKind::TestFinished {
            test,
            outcome: Outcome::Passed,
            seconds: 2.6,
            transcript: Some("boot-on-aarch64-virt/reaches-shell.cast".into()),
        },
    );
    log.at(
        3.7,
        EventKind::TestSkipped {
            test: self::test(&suite, "kvm-accel"),
            reason: "profile aarch64-virt lacks capability `kvm`".into(),
        },
    );

    // boot on ci: the kernel panics, the last marker never shows.
    let suite = self::suite("boot", "ci");
    log.at(
        4.0,
        EventKind::SuiteStarted {
            suite: suite.clone(),
            title: "Boot to a shell".into(),
            scenario_file: "scenarios/01-boot.yaml".into(),
            tests: Vec::new(),
        },
    );
    let test = self::test(&suite, "reaches-shell");
    log.at(4.0, EventKind::TestStarted { test: test.clone() });
    log.at(4.0, step_started(&test, 0, "boot to the shell prompt"));
    log.at(4.1, boot_started(&test, "boot-on-ci/reaches-shell/boot-1.serial.log"));
    for (marker, at) in [("Booting kernel", 0.21), ("mmu: enabled", 0.5)] {
        log.at(4.1 + at, EventKind::MarkerSeen { test: test.clone(), boot: 1, marker: marker.into(), at });
    }
    log.at(
        4.9,
        EventKind::Panic {
            test: test.clone(),
            boot: 1,
            text: format!(
                "guest says: {HOSTILE}\npanicked at kernel/src/mm/frame.rs:88:9:\nout of frames: requested 4, 0 free"
            ),
        },
    );
    log.at(34.1, EventKind::MarkerMissing { test: test.clone(), boot: 1, marker: "init: started".into() });
    log.at(
        34.1,
        step_finished(
            &test,
            0,
            Outcome::Failed { message: "timed out after 30s waiting for \"init: started\"".into() },
            None,
            None,
        ),
    );
    log.at(34.2, EventKind::QemuExited { test: test.clone(), boot: 1, status: None, expected: false, stopped: false });
    log.at(
        34.2,
        EventKind::Triage {
            test: test.clone(),
            title: "QEMU".into(),
            text: "killed with SIGKILL after the 30s timeout; exit status unknown".into(),
        },
    );
    log.at(
        34.2,
        EventKind::Triage {
            test: test.clone(),
            title: "last serial lines".into(),
            text: format!("frame allocator: 65536 frames\nguest says: {HOSTILE}"),
        },
    );
    log.at(
        34.3,
        EventKind::TestFinished {
            test,
            outcome: Outcome::Failed { message: "kernel panicked: out of frames: requested 4, 0 free".into() },
            seconds: 30.3,
            transcript: Some("boot-on-ci/reaches-shell.cast".into()),
        },
    );

    // syscalls on aarch64-virt only: the (syscalls, ci) cell is "not run".
    let suite = self::suite("syscalls", "aarch64-virt");
    log.at(
        35.0,
        EventKind::SuiteStarted {
            suite: suite.clone(),
            title: "Syscall conformance".into(),
            scenario_file: "scenarios/02-syscalls.yaml".into(),
            tests: Vec::new(),
        },
    );
    let test = self::test(&suite, "write-stdout");
    log.at(35.0, EventKind::TestStarted { test: test.clone() });
    log.at(35.0, step_started(&test, 0, "boot to the shell prompt"));
    log.at(35.1, boot_started(&test, "syscalls-on-aarch64-virt/write-stdout/boot-1.serial.log"));
    log.at(37.2, EventKind::MarkerSeen { test: test.clone(), boot: 1, marker: "/ # ".into(), at: 2.1 });
    log.at(37.2, step_finished(&test, 0, Outcome::Passed, None, None));
    log.at(37.2, step_started(&test, 1, "run `/bin/guest-echo` with hostile output"));
    log.at(37.45, step_finished(&test, 1, Outcome::Passed, Some(&format!("{HOSTILE}\n")), Some(0)));
    log.at(37.45, metric(&test, "write_calls_per_sec", 184_211.7));
    log.at(
        37.6,
        EventKind::QemuExited { test: test.clone(), boot: 1, status: Some(0), expected: true, stopped: false },
    );
    log.at(
        37.6,
        EventKind::TestFinished {
            test,
            outcome: Outcome::Passed,
            seconds: 2.6,
            transcript: Some("syscalls-on-aarch64-virt/write-stdout.cast".into()),
        },
    );
    log.at(
        37.7,
        EventKind::TestSkipped {
            test: self::test(&suite, "getrandom"),
            reason: "profile aarch64-virt lacks capability `rng`".into(),
        },
    );

    log.at(37.8, EventKind::RunFinished { seconds: 37.8 });
    log.events
}

#[derive(Default)]
struct Log {
    events: Vec<Event>,
}

impl Log {
    fn at(&mut self, t: f64, kind: EventKind) {
        self.events.push(Event { t, kind });
    }
}

pub fn suite(phase: &str, profile: &str) -> SuiteId {
    SuiteId { phase: phase.into(), profile: profile.into() }
}

pub fn test(suite: &SuiteId, name: &str) -> TestId {
    TestId { suite: suite.clone(), test: name.into() }
}

fn step_started(test: &TestId, index: usize, description: &str) -> EventKind {
    EventKind::StepStarted { test: test.clone(), index, description: description.into() }
}

fn step_finished(
    test: &TestId,
    index: usize,
    outcome: Outcome,
    output: Option<&str>,
    exit_status: Option<i32>,
) -> EventKind {
    EventKind::StepFinished { test: test.clone(), index, outcome, output: output.map(String::from), exit_status }
}

fn boot_started(test: &TestId, serial_log: &str) -> EventKind {
    EventKind::BootStarted {
        test: test.clone(),
        boot: 1,
        command: [
            "qemu-system-aarch64",
            "-machine",
            "virt",
            "-cpu",
            "cortex-a72",
            "-m",
            "256M",
            "-nographic",
            "-kernel",
            "kernel.elf",
            "-append",
            "console=ttyAMA0 rdinit=/init",
        ]
        .map(String::from)
        .into(),
        serial_log: serial_log.into(),
    }
}

fn metric(test: &TestId, name: &str, value: f64) -> EventKind {
    EventKind::Metric { test: test.clone(), name: name.into(), value }
}
