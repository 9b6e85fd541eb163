//! Turns a scenario file into a typed [`Scenario`], checking every step.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_norway::Value;

use super::duration;
use super::error::ConfigError;
use super::parse::{regex, Checker, Source};
use super::raw::*;
use super::scenario::*;

const KINDS: &[&str] =
    &["run", "send", "boot", "reboot", "poweroff", "power_cut", "wait", "expect_panic", "metric", "expect"];

pub fn load_scenario(path: &Path) -> Result<Scenario, ConfigError> {
    let source = Source::read(path)?;
    let raw: RawScenario = source.deserialize()?;
    resolve(&source, raw)
}

fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

fn resolve(src: &Source, raw: RawScenario) -> Result<Scenario, ConfigError> {
    let mut c = Checker::new(src);
    if !valid_name(&raw.phase) {
        c.error("phase", format!("phase `{}` may use only letters, digits, '-', '_' and '.'", raw.phase));
    }
    if raw.tests.is_empty() {
        c.error("tests", "a scenario needs at least one test");
    }
    let default_isolation = match &raw.isolation {
        Some(i) => c.check("isolation", Isolation::parse(i)).unwrap_or(Isolation::Restore),
        None => Isolation::Restore,
    };
    let mut names = BTreeSet::new();
    let mut tests = Vec::new();
    for (ti, t) in raw.tests.iter().enumerate() {
        let key = format!("tests[{ti}]");
        if !valid_name(&t.name) {
            c.error(
                &format!("{key}.name"),
                format!("test name `{}` may use only letters, digits, '-', '_' and '.'", t.name),
            );
        } else if !names.insert(t.name.clone()) {
            c.error(&format!("{key}.name"), format!("duplicate test name `{}`", t.name));
        }
        let timeout = t.timeout.as_deref().and_then(|d| c.check(&format!("{key}.timeout"), duration::parse(d)));
        let isolation = match &t.isolation {
            Some(i) => c.check(&format!("{key}.isolation"), Isolation::parse(i)).unwrap_or(default_isolation),
            None => default_isolation,
        };
        if t.steps.is_empty() {
            c.error(&format!("{key}.steps"), "a test needs at least one step");
        }
        let mut steps = Vec::new();
        for (si, s) in t.steps.iter().enumerate() {
            if let Some(step) = step(&mut c, &format!("{key}.steps[{si}]"), s) {
                steps.push(step);
            }
        }
        if !matches!(steps.first().map(|s| &s.kind), Some(StepKind::Boot)) {
            steps.insert(0, Step { label: "boot".into(), timeout: None, kind: StepKind::Boot });
        }
        tests.push(Test {
            name: t.name.clone(),
            description: t.description.clone(),
            requires: t.requires.clone().unwrap_or_default(),
            timeout,
            isolation,
            fixtures: fixtures(&mut c, &format!("{key}.fixtures"), t.fixtures.as_ref(), &src.path),
            steps,
        });
    }
    c.finish()?;
    Ok(Scenario {
        file: src.path.clone(),
        phase: raw.phase,
        title: raw.title,
        description: raw.description,
        requires: raw.requires.unwrap_or_default(),
        tests,
    })
}

fn fixtures(c: &mut Checker, key: &str, raw: Option<&RawFixtures>, file: &Path) -> Fixtures {
    let Some(raw) = raw else { return Fixtures::default() };
    let http = raw.http.as_ref().and_then(|h| match (&h.root, &h.files) {
        (Some(root), None) => {
            // Relative to the workspace root, like every path in the config.
            let base = file.parent().and_then(|p| p.parent()).unwrap_or(Path::new("."));
            let dir = if Path::new(root).is_absolute() { PathBuf::from(root) } else { base.join(root) };
            if !dir.is_dir() {
                c.error(&format!("{key}.http.root"), format!("no such directory: {root}"));
            }
            Some(HttpFixture::Root(dir))
        }
        (None, Some(files)) => {
            Some(HttpFixture::Files(files.iter().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect()))
        }
        _ => {
            c.error(&format!("{key}.http"), "give the HTTP fixture either `root` or `files`");
            None
        }
    });
    let dns = raw.dns.as_ref().map(|names| {
        names
            .iter()
            .filter_map(|(name, addr)| {
                c.check(
                    &format!("{key}.dns.{name}"),
                    addr.parse().map_err(|_| format!("`{addr}` is not an IPv4 address")),
                )
                .map(|a| (name.to_ascii_lowercase(), a))
            })
            .collect()
    });
    Fixtures { http, dns, echo: raw.echo.is_some() }
}

fn strings(c: &mut Checker, key: &str, v: &Option<RawStrings>) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(RawStrings(Ok(list))) => list.clone(),
        Some(RawStrings(Err(e))) => {
            c.error(key, e.clone());
            Vec::new()
        }
    }
}

fn regexes(c: &mut Checker, key: &str, v: &Option<RawStrings>) -> Vec<regex::Regex> {
    strings(c, key, v).iter().filter_map(|p| c.check(key, regex(p))).collect()
}

fn no_value(c: &mut Checker, key: &str, v: &Option<Value>) {
    match v {
        Some(Value::Null) | None => {}
        Some(Value::Mapping(m)) if m.is_empty() => {}
        Some(_) => c.error(key, "this step takes no value (write it as `- boot:` or `- boot: {}`)"),
    }
}

/// Checks one step; `None` when it is invalid (errors are in `c`).
fn step(c: &mut Checker, key: &str, s: &RawStep) -> Option<Step> {
    let present: Vec<&str> = [
        ("run", s.run.is_some()),
        ("send", s.send.is_some()),
        ("boot", s.boot.is_some()),
        ("reboot", s.reboot.is_some()),
        ("poweroff", s.poweroff.is_some()),
        ("power_cut", s.power_cut.is_some()),
        ("wait", s.wait.is_some()),
        ("expect_panic", s.expect_panic.is_some()),
        ("metric", s.metric.is_some()),
        ("fsck", s.fsck.is_some()),
        ("disk_file", s.disk_file.is_some()),
        ("crash_sweep", s.crash_sweep.is_some()),
        ("http_get", s.http_get.is_some()),
        ("tcp_exchange", s.tcp_exchange.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, p)| p.then_some(k))
    .collect();
    let kind_name = match present.as_slice() {
        [] if s.expect.is_some() => "expect",
        [] => {
            c.error(key, format!("a step needs one of: {}", KINDS.join(", ")));
            return None;
        }
        [one] => *one,
        many => {
            c.error(
                &format!("{key}.{}", many[1]),
                format!("a step has exactly one kind; this one has {}", many.join(" and ")),
            );
            return None;
        }
    };
    let errors_before = c.errors.len();
    // Modifiers that only make sense with `run`.
    if kind_name != "run" {
        for (name, set) in [
            ("expect_not", s.expect_not.is_some()),
            ("output", s.output.is_some()),
            ("status", s.status.is_some()),
            ("capture", s.capture.is_some()),
        ] {
            if set {
                c.error(&format!("{key}.{name}"), format!("`{name}` goes with `run`, not with `{kind_name}`"));
            }
        }
        if s.expect.is_some() && kind_name != "expect" {
            c.error(&format!("{key}.expect"), format!("`expect` goes with `run` or alone, not with `{kind_name}`"));
        }
    }
    let timeout = s.timeout.as_deref().and_then(|d| c.check(&format!("{key}.timeout"), duration::parse(d)));
    let kind = match kind_name {
        "run" => {
            let command = s.run.clone().unwrap_or_default();
            if command.trim().is_empty() {
                c.error(&format!("{key}.run"), "the command is empty");
            }
            if command.contains('\n') {
                c.error(&format!("{key}.run"), "a command is one line; use `sh -c '...'` or several steps");
            }
            let status = match &s.status {
                None => StatusCheck::Exactly(0),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(v) if (0..=255).contains(&v) => StatusCheck::Exactly(v as i32),
                    _ => {
                        c.error(&format!("{key}.status"), format!("status `{n}` must be between 0 and 255"));
                        StatusCheck::Any
                    }
                },
                Some(Value::String(s)) if s == "any" => StatusCheck::Any,
                Some(Value::String(s)) if s == "nonzero" => StatusCheck::NonZero,
                Some(_) => {
                    c.error(&format!("{key}.status"), "status is a number from 0 to 255, `nonzero` or `any`");
                    StatusCheck::Any
                }
            };
            let capture = s
                .capture
                .iter()
                .flatten()
                .filter_map(|(name, re)| {
                    if !valid_name(name) || name.contains('.') {
                        c.error(
                            &format!("{key}.capture.{name}"),
                            format!("variable name `{name}` may use only letters, digits, '-' and '_'"),
                        );
                    }
                    c.check(&format!("{key}.capture.{name}"), regex(re)).map(|r| (name.clone(), r))
                })
                .collect();
            StepKind::Run(RunCheck {
                command,
                status,
                expect: regexes(c, &format!("{key}.expect"), &s.expect),
                expect_not: regexes(c, &format!("{key}.expect_not"), &s.expect_not),
                output: s.output.clone(),
                capture,
            })
        }
        "send" => {
            let text = s.send.clone().unwrap_or_default();
            let bytes = c.check(&format!("{key}.send"), unescape(&text))?;
            if bytes.is_empty() {
                c.error(&format!("{key}.send"), "nothing to send");
            }
            StepKind::Send { bytes }
        }
        "expect" => {
            let list = regexes(c, &format!("{key}.expect"), &s.expect);
            if list.len() != 1 {
                c.error(&format!("{key}.expect"), "an `expect` step waits for one regex");
                return None;
            }
            StepKind::Expect { pattern: list.into_iter().next()? }
        }
        "boot" => {
            no_value(c, &format!("{key}.boot"), &s.boot);
            StepKind::Boot
        }
        "reboot" => {
            no_value(c, &format!("{key}.reboot"), &s.reboot);
            StepKind::Reboot
        }
        "power_cut" => {
            no_value(c, &format!("{key}.power_cut"), &s.power_cut);
            StepKind::PowerCut
        }
        "poweroff" => match &s.poweroff {
            Some(Value::String(cmd)) if !cmd.trim().is_empty() => StepKind::Poweroff { command: cmd.clone() },
            Some(Value::Null) => StepKind::Poweroff { command: "poweroff -f".into() },
            _ => {
                c.error(&format!("{key}.poweroff"), "poweroff takes nothing or the command to send");
                return None;
            }
        },
        "wait" => StepKind::Wait {
            duration: c.check(&format!("{key}.wait"), duration::parse(s.wait.as_deref().unwrap_or("")))?,
        },
        "expect_panic" => {
            let command = s.expect_panic.clone().unwrap_or_default();
            if command.trim().is_empty() {
                c.error(&format!("{key}.expect_panic"), "give the command that makes the kernel panic");
            }
            StepKind::ExpectPanic { command }
        }
        "metric" => {
            let m = s.metric.as_ref()?;
            if m.min.is_none() && m.max.is_none() {
                c.error(&format!("{key}.metric"), "a metric check needs `min`, `max` or both");
            }
            StepKind::Metric(MetricCheck { name: m.name.clone(), min: m.min, max: m.max })
        }
        "fsck" => {
            let disk = s.fsck.clone().unwrap_or_default();
            if disk.trim().is_empty() {
                c.error(&format!("{key}.fsck"), "name the disk to check (a `disks` entry of the profile)");
            }
            StepKind::Fsck { disk }
        }
        "disk_file" => {
            let f = s.disk_file.as_ref()?;
            if !f.path.starts_with('/') {
                c.error(&format!("{key}.disk_file.path"), "the path inside the filesystem starts with /");
            }
            if f.output.is_none() && f.expect.is_none() && f.md5.is_none() {
                c.error(&format!("{key}.disk_file"), "say what to check: `output`, `expect` or `md5`");
            }
            StepKind::DiskFile(DiskFileCheck {
                disk: f.disk.clone(),
                path: f.path.clone(),
                output: f.output.clone(),
                expect: regexes(c, &format!("{key}.disk_file.expect"), &f.expect),
                md5: f.md5.clone(),
            })
        }
        "crash_sweep" => {
            let w = s.crash_sweep.as_ref()?;
            let step = w.step.unwrap_or(1);
            if step == 0 || w.from == 0 || w.to < w.from {
                c.error(&format!("{key}.crash_sweep"), "needs 1 <= from <= to and step >= 1");
            }
            let points: Vec<u32> = (w.from..=w.to).step_by(step.max(1) as usize).collect();
            if points.len() > 200 {
                c.error(
                    &format!("{key}.crash_sweep"),
                    format!("{} cut points; at most 200 (raise `step`)", points.len()),
                );
            }
            if w.workload.contains('\n') || w.check.contains('\n') {
                c.error(&format!("{key}.crash_sweep"), "workload and check are one command line each");
            }
            StepKind::CrashSweep(CrashSweep {
                disk: w.disk.clone(),
                setup: w.setup.clone(),
                workload: w.workload.clone(),
                check: w.check.clone(),
                points,
                fsck: w.fsck.unwrap_or(false),
            })
        }
        "http_get" => {
            let h = s.http_get.as_ref()?;
            let path = h.path.clone().unwrap_or_else(|| "/".into());
            if !path.starts_with('/') {
                c.error(&format!("{key}.http_get.path"), "the path starts with /");
            }
            StepKind::HostExchange(HostExchange {
                port: h.port,
                request: HostRequest::HttpGet { path, status: h.status.unwrap_or(200) },
                output: h.output.clone(),
                expect: regexes(c, &format!("{key}.http_get.expect"), &h.expect),
            })
        }
        "tcp_exchange" => {
            let t = s.tcp_exchange.as_ref()?;
            let send = c.check(&format!("{key}.tcp_exchange.send"), unescape(&t.send))?;
            StepKind::HostExchange(HostExchange {
                port: t.port,
                request: HostRequest::Tcp { send },
                output: t.output.clone(),
                expect: regexes(c, &format!("{key}.tcp_exchange.expect"), &t.expect),
            })
        }
        _ => unreachable!("kind names come from the list above"),
    };
    if c.errors.len() > errors_before {
        return None;
    }
    let label = s.name.clone().unwrap_or_else(|| default_label(&kind));
    Some(Step { label, timeout, kind })
}

fn default_label(kind: &StepKind) -> String {
    match kind {
        StepKind::Boot => "boot".into(),
        StepKind::Reboot => "reboot".into(),
        StepKind::PowerCut => "power cut".into(),
        StepKind::Poweroff { command } => format!("poweroff ({command})"),
        StepKind::Run(r) => format!("run: {}", r.command),
        StepKind::Send { bytes } => format!("send: {}", String::from_utf8_lossy(bytes).escape_debug()),
        StepKind::Expect { pattern } => format!("expect: {}", pattern.as_str()),
        StepKind::Wait { duration } => format!("wait {:?}", duration),
        StepKind::ExpectPanic { command } => format!("expect panic after: {command}"),
        StepKind::Metric(m) => format!("metric {}", m.name),
        StepKind::Fsck { disk } => format!("host: e2fsck -fn {disk}"),
        StepKind::DiskFile(f) => format!("host: {}:{}", f.disk, f.path),
        StepKind::CrashSweep(w) => format!("crash sweep on {} ({} cut points)", w.disk, w.points.len()),
        StepKind::HostExchange(h) => match &h.request {
            HostRequest::HttpGet { path, .. } => format!("host: GET {path} from guest port {}", h.port),
            HostRequest::Tcp { .. } => format!("host: TCP exchange with guest port {}", h.port),
        },
    }
}

/// Decodes `\n`, `\r`, `\t`, `\\`, `\e` and `\xHH` so that single-quoted and
/// plain YAML strings can carry control bytes too.
pub fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('e') => out.push(0x1b),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let byte = u8::from_str_radix(&hex, 16).map_err(|_| format!("`\\x{hex}` is not a hex byte escape"))?;
                out.push(byte);
            }
            Some(other) => return Err(format!("unknown escape `\\{other}`; use \\n \\r \\t \\e \\\\ or \\xHH")),
            None => return Err("a trailing backslash escapes nothing".into()),
        }
    }
    Ok(out)
}
