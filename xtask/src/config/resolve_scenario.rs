//! Turns a scenario file into a typed [`Scenario`], checking every step.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_norway::Value;

use super::duration;
use super::error::ConfigError;
use super::parse::{regex, Checker, Source};
use super::raw::*;
use super::resolve_step::step;
use super::scenario::*;

pub(super) const KINDS: &[&str] = &[
    "run",
    "send",
    "expect",
    "prompt",
    "quiet",
    "wait",
    "boot",
    "reboot",
    "poweroff",
    "power_cut",
    "expect_panic",
    "metric",
    "fsck",
    "disk_file",
    "contract",
    "crash_sweep",
    "http_get",
    "tcp_exchange",
    "hostile_traffic",
];

pub fn load_scenario(path: &Path) -> Result<Scenario, ConfigError> {
    let source = Source::read(path)?;
    let raw: RawScenario = source.deserialize()?;
    resolve(&source, raw)
}

pub(super) fn valid_name(s: &str) -> bool {
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
        let fixtures = fixtures(&mut c, &format!("{key}.fixtures"), t.fixtures.as_ref(), &src.path);
        let isolation = match &t.isolation {
            Some(i) => c.check(&format!("{key}.isolation"), Isolation::parse(i)).unwrap_or(default_isolation),
            // The saved ready state has the profile's NIC, not the fixture's.
            None if fixtures.hostile.is_some() => Isolation::Boot,
            None => default_isolation,
        };
        if fixtures.hostile.is_some() && isolation != Isolation::Boot {
            c.error(
                &format!("{key}.isolation"),
                "a test with a `hostile` fixture boots (its NIC is not the saved guest's): use `isolation: boot`",
            );
        }
        if t.steps.is_empty() {
            c.error(&format!("{key}.steps"), "a test needs at least one step");
        }
        let mut steps = Vec::new();
        for (si, s) in t.steps.iter().enumerate() {
            if let Some(step) = step(&mut c, &format!("{key}.steps[{si}]"), s) {
                check_hostile_step(&mut c, &format!("{key}.steps[{si}]"), &step, fixtures.hostile.is_some());
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
            fixtures,
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

/// Steps that need the hostile fixture's NIC, or cannot use it.
fn check_hostile_step(c: &mut Checker, key: &str, step: &Step, hostile: bool) {
    match (&step.kind, hostile) {
        (StepKind::HostileTraffic { .. }, false) => {
            c.error(&format!("{key}.hostile_traffic"), "needs the test's `fixtures: {hostile: {}}`")
        }
        (StepKind::HostExchange(h), true) => match &h.request {
            HostRequest::Tcp { connections: 1, .. } => {}
            HostRequest::Tcp { .. } => c.error(
                &format!("{key}.tcp_exchange.connections"),
                "over the hostile fixture's NIC a TCP exchange has one connection",
            ),
            HostRequest::HttpGet { .. } => c.error(
                &format!("{key}.http_get"),
                "a test with a `hostile` fixture has no host forwards; use `tcp_exchange`",
            ),
        },
        _ => {}
    }
}

fn fixtures(c: &mut Checker, key: &str, raw: Option<&RawFixtures>, file: &Path) -> Fixtures {
    let Some(raw) = raw else { return Fixtures::default() };
    let http = raw.http.as_ref().and_then(|h| match (&h.root, &h.files) {
        (Some(root), None) if h.sized.is_none() => {
            // Relative to the workspace root, like every path in the config.
            let base = file.parent().and_then(|p| p.parent()).unwrap_or(Path::new("."));
            let dir = if Path::new(root).is_absolute() { PathBuf::from(root) } else { base.join(root) };
            if !dir.is_dir() {
                c.error(&format!("{key}.http.root"), format!("no such directory: {root}"));
            }
            Some(HttpFixture::Root(dir))
        }
        (None, files) if files.is_some() || h.sized.is_some() => {
            let mut all: std::collections::BTreeMap<String, Vec<u8>> =
                files.iter().flatten().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect();
            for (path, mib) in h.sized.iter().flatten() {
                if *mib > 256 {
                    c.error(&format!("{key}.http.sized"), format!("{path}: {mib} MiB is more than 256"));
                }
                let len = ((*mib).min(256) as usize) << 20;
                all.insert(path.clone(), (0..len).map(|i| (i % 251) as u8).collect());
            }
            Some(HttpFixture::Files(all))
        }
        _ => {
            c.error(&format!("{key}.http"), "give the HTTP fixture either `root` or `files` (and `sized`)");
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
    let hostile = raw.hostile.as_ref().map(|h| {
        let mut ip = |name: &str, v: &Option<String>, default| match v {
            Some(a) => c
                .check(&format!("{key}.hostile.{name}"), a.parse().map_err(|_| format!("`{a}` is not an IPv4 address")))
                .unwrap_or(default),
            None => default,
        };
        let d = HostileFixture::DEFAULT;
        let f = HostileFixture {
            guest_ip: ip("guest_ip", &h.guest_ip, d.guest_ip),
            host_ip: ip("host_ip", &h.host_ip, d.host_ip),
        };
        if f.guest_ip.octets()[..3] != f.host_ip.octets()[..3] || f.guest_ip == f.host_ip {
            c.error(&format!("{key}.hostile"), "guest_ip and host_ip are two addresses of one /24");
        }
        f
    });
    Fixtures { http, dns, echo: raw.echo.is_some(), hostile }
}

pub(super) fn strings(c: &mut Checker, key: &str, v: &Option<RawStrings>) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(RawStrings(Ok(list))) => list.clone(),
        Some(RawStrings(Err(e))) => {
            c.error(key, e.clone());
            Vec::new()
        }
    }
}

pub(super) fn regexes(c: &mut Checker, key: &str, v: &Option<RawStrings>) -> Vec<regex::Regex> {
    strings(c, key, v).iter().filter_map(|p| c.check(key, regex(p))).collect()
}

pub(super) fn no_value(c: &mut Checker, key: &str, v: &Option<Value>) {
    match v {
        Some(Value::Null) | None => {}
        Some(Value::Mapping(m)) if m.is_empty() => {}
        Some(_) => {
            let kind = key.rsplit('.').next().unwrap_or(key);
            c.error(key, format!("this step takes no value (write it as `- {kind}:` or `- {kind}: {{}}`)"))
        }
    }
}

pub(super) fn default_label(kind: &StepKind) -> String {
    match kind {
        StepKind::Boot => "boot".into(),
        StepKind::Reboot => "reboot".into(),
        StepKind::PowerCut => "power cut".into(),
        StepKind::Poweroff { command } => format!("poweroff ({command})"),
        StepKind::Run(r) => format!("run: {}", r.command),
        StepKind::Send { bytes } => format!("send: {}", String::from_utf8_lossy(bytes).escape_debug()),
        StepKind::Expect { pattern } => format!("expect: {}", pattern.as_str()),
        StepKind::Wait { duration } => format!("wait {:?}", duration),
        StepKind::Prompt => "prompt".into(),
        StepKind::Quiet { duration, unexpected } if unexpected.as_str() == r"\S" => format!("quiet for {:?}", duration),
        StepKind::Quiet { duration, unexpected } => {
            format!("nothing matching /{}/ for {:?}", unexpected.as_str(), duration)
        }
        StepKind::ExpectPanic { command } => format!("expect panic after: {command}"),
        StepKind::Metric(m) => format!("metric {}", m.name),
        StepKind::Fsck { disk } => format!("host: e2fsck -fn {disk}"),
        StepKind::DiskFile(f) => format!("host: {}:{}", f.disk, f.path),
        StepKind::Contract(f) => format!("contract: {}:{}", f.disk, f.path),
        StepKind::CrashSweep(w) => format!("crash sweep on {} ({} cut points)", w.disk, w.points.len()),
        StepKind::HostExchange(h) => match &h.request {
            HostRequest::HttpGet { path, .. } => format!("host: GET {path} from guest port {}", h.port),
            HostRequest::Tcp { .. } => format!("host: TCP exchange with guest port {}", h.port),
        },
        StepKind::HostileTraffic { port, counts } => {
            let total: u64 = counts.kinds().iter().map(|(_, n)| u64::from(*n)).sum();
            format!("host: {total} hostile frames at the guest (TCP port {port})")
        }
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
