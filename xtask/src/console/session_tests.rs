//! Tests of the console session over replayed guests.
use super::*;
use crate::console::guest::ReplayGuest;
use crate::console::transcript::{RecordedBoot, TranscriptInfo};

fn replay_console(boot: RecordedBoot, dir: &std::path::Path) -> Console {
    let info = TranscriptInfo { profile: "p".into(), phase: "x".into(), test: "t".into() };
    let writer = Rc::new(RefCell::new(Writer::create(&dir.join("t.cast"), info, 1 << 20).unwrap()));
    let settings = Settings {
        prompt: Regex::new(r"# $").unwrap(),
        panic: vec![Regex::new("Kernel panic").unwrap()],
        noise: vec![Regex::new(r"\[ *\d+\.\d{6}\] [^\n]*\n").unwrap()],
        warning: vec![Regex::new(r"\[ *\d+\.\d{6}\] ").unwrap()],
        markers: vec![],
        buffer_limit: 1 << 20,
    };
    Console::new(Box::new(ReplayGuest::new(boot)), settings, writer, 0.0)
}

#[test]
fn many_short_waits_on_a_replayed_clock_always_return() {
    // Regression: a deadline a few ulps away became a zero Duration and
    // the replayed clock never reached it.
    let dir = tempfile::tempdir().unwrap();
    let boot = RecordedBoot {
        output: vec![(0.3333333, "x\n".into())],
        exit: Some(None),
        exit_at: Some(0.7777777),
        restored: false,
    };
    let mut c = replay_console(boot, dir.path());
    let mut exited = false;
    for _ in 0..2000 {
        match c.idle(Duration::from_millis(2)) {
            Ok(()) => {}
            Err(ConsoleError::Exited { .. }) => {
                exited = true;
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(exited, "the recorded exit is reached");
}

#[test]
fn run_ignores_its_own_echo_and_reads_the_status() {
    let dir = tempfile::tempdir().unwrap();
    let echo = "printf '%s%s\\n' '@@XT-BEG' '-1-1'; eval 'echo hi; exit 3'; printf '\\n%s%s:%s\\n' '@@XT-END' '-1-1' \"$?\"\r\n";
    let out = format!("{echo}@@XT-BEG-1-1\r\nhi\r\n[    1.000000] noise\r\n\r\n@@XT-END-1-1:3\r\n# ");
    let boot = RecordedBoot { output: vec![(0.1, out)], exit: None, exit_at: None, restored: true };
    let mut c = replay_console(boot, dir.path());
    let r = c.run("1-1", "echo hi; exit 3", Duration::from_secs(5)).unwrap();
    assert_eq!(r.status, 3);
    assert_eq!(r.clean, "hi\n");
    assert_eq!(r.output, "hi\n[    1.000000] noise\n");
}

#[test]
fn metric_lines() {
    assert_eq!(parse_metric("METRIC ctx_switch_ns=1234.5"), Some(("ctx_switch_ns".into(), 1234.5)));
    assert_eq!(parse_metric("[ 1.0] METRIC boot_ms=12 ms"), Some(("boot_ms".into(), 12.0)));
    assert_eq!(parse_metric("METRIC bad"), None);
    assert_eq!(parse_metric("METRIC x=nan"), None);
}

#[test]
fn a_run_line_the_shell_never_starts_fails_fast() {
    // The shell printed a fresh prompt after the line was typed and then
    // nothing: the line was lost. That is clear in seconds, not at the
    // step's deadline.
    let dir = tempfile::tempdir().unwrap();
    let boot = RecordedBoot { output: vec![(0.1, "# ".into())], exit: None, exit_at: None, restored: true };
    let mut c = replay_console(boot, dir.path());
    let err = c.run("1-1", "echo hi", Duration::from_secs(30)).unwrap_err();
    assert!(matches!(err, ConsoleError::LineLost { .. }), "{err:?}");
    assert!(c.now() < 4.0, "noticed after {} s", c.now());
}

#[test]
fn a_prompt_before_the_begin_marker_is_not_a_lost_line() {
    // The previous command's prompt may come after the next line was typed;
    // the shell then starts the line (slowly, here).
    let dir = tempfile::tempdir().unwrap();
    let rest = "@@XT-BEG-1-1\r\nhi\r\n\r\n@@XT-END-1-1:0\r\n# ";
    let boot = RecordedBoot {
        output: vec![(0.1, "# ".into()), (2.0, rest.into())],
        exit: None,
        exit_at: None,
        restored: true,
    };
    let mut c = replay_console(boot, dir.path());
    let r = c.run("1-1", "echo hi", Duration::from_secs(30)).unwrap();
    assert_eq!((r.clean.as_str(), r.status), ("hi\n", 0));
}

#[test]
fn quiet_fails_on_new_output_but_not_on_old_output_or_kernel_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let boot = RecordedBoot {
        output: vec![(0.1, "before\n".into()), (1.0, "[    1.000000] log\n".into()), (2.5, "late\n".into())],
        exit: None,
        exit_at: None,
        restored: true,
    };
    let mut c = replay_console(boot, dir.path());
    c.idle(Duration::from_millis(500)).unwrap();
    c.quiet(Duration::from_secs(1), &Regex::new(r"\S").unwrap()).unwrap();
    c.quiet(Duration::from_millis(500), &Regex::new("panic").unwrap()).unwrap();
    match c.quiet(Duration::from_secs(5), &Regex::new(r"\S").unwrap()) {
        Err(ConsoleError::Unexpected { text, .. }) => assert_eq!(text, "late"),
        other => panic!("{other:?}"),
    }
    assert!(c.now() < 3.0, "failed at once, at {} s", c.now());
}

#[test]
fn warning_lines_count_only_once_armed() {
    let dir = tempfile::tempdir().unwrap();
    let boot = RecordedBoot {
        output: vec![(0.1, "[    0.100000] boot log\n# ".into()), (1.0, "[    1.000000] WARN: late\nplain\n".into())],
        exit: None,
        exit_at: None,
        restored: false,
    };
    let mut c = replay_console(boot, dir.path());
    c.wait_prompt(Duration::from_secs(1)).unwrap();
    c.arm_warnings();
    c.idle(Duration::from_secs(2)).unwrap();
    let warnings: Vec<Note> = c.take_notes().into_iter().filter(|n| matches!(n, Note::Warning { .. })).collect();
    assert_eq!(warnings, vec![Note::Warning { line: "[    1.000000] WARN: late".into() }]);
}

#[test]
fn a_qemu_crash_is_told_apart_from_a_kill() {
    let exited = |signal| ConsoleError::Exited { status: None, signal, tail: String::new() }.to_string();
    assert_eq!(exited(Some(11)), "QEMU died from signal 11 (SIGSEGV): QEMU itself crashed (see its stderr log)");
    assert_eq!(exited(Some(9)), "QEMU died from signal 9 (SIGKILL)");
    assert_eq!(exited(None), "QEMU was killed unexpectedly");
}

/// A guest whose whole output is already waiting, as when QEMU printed a
/// burst faster than the harness read it; it counts the receives that could
/// have waited (each one is followed by a search of the screen).
struct BurstGuest {
    chunks: VecDeque<Vec<u8>>,
    waiting_receives: Rc<RefCell<usize>>,
}

impl Guest for BurstGuest {
    fn recv(&mut self, timeout: Duration) -> Recv {
        if !timeout.is_zero() {
            *self.waiting_receives.borrow_mut() += 1;
        }
        self.chunks.pop_front().map_or(Recv::Timeout, Recv::Output)
    }
    fn send(&mut self, _bytes: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn now(&self) -> f64 {
        0.0
    }
    fn kill(&mut self) {}
    fn triage(&mut self) -> Vec<(String, String)> {
        Vec::new()
    }
}

#[test]
fn a_burst_of_small_writes_is_searched_in_batches() {
    // Regression: the fuzzer raised the console log level and the kernel
    // printed 70,000 debug lines in small writes; one search of all pending
    // text per write made reading quadratic and the step timed out.
    let dir = tempfile::tempdir().unwrap();
    let mut chunks: VecDeque<Vec<u8>> = (0..50_000)
        .map(|i| format!("<7>[    3.{i:06}] syscall 415 (unknown) not implemented: ENOSYS\n").into_bytes())
        .collect();
    chunks.push_back(b"xt-fuzz: done\n".to_vec());
    let waiting_receives = Rc::new(RefCell::new(0));
    let guest = BurstGuest { chunks, waiting_receives: waiting_receives.clone() };
    let info = TranscriptInfo { profile: "p".into(), phase: "x".into(), test: "t".into() };
    let writer = Rc::new(RefCell::new(Writer::create(&dir.path().join("t.cast"), info, 1 << 20).unwrap()));
    let settings = Settings {
        prompt: Regex::new(r"# $").unwrap(),
        panic: vec![],
        noise: vec![Regex::new(r"(?m)^<\d>\[ *\d+\.\d{6}\] [^\n]*\n").unwrap()],
        warning: vec![],
        markers: vec![],
        buffer_limit: 8 << 20,
    };
    let mut c = Console::new(Box::new(guest), settings, writer, 0.0);
    let found = c.expect(&Regex::new("xt-fuzz: done").unwrap(), Duration::from_secs(5), "the end").unwrap();
    assert_eq!(found.matched, "xt-fuzz: done");
    let waits = *waiting_receives.borrow();
    assert!(waits <= 5, "3.3 MB already waiting were searched {waits} times, not in a few batches");
}
