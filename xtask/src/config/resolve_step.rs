//! Checks one scenario step and turns it into a typed [`Step`].

use serde_norway::Value;

use super::duration;
use super::parse::{regex, Checker};
use super::raw::*;
use super::resolve_scenario::{default_label, no_value, regexes, strings, unescape, valid_name, KINDS};
use super::scenario::*;

/// The most frames of one kind a `hostile_traffic` step sends: bounded
/// traffic, a bounded run.
const HOSTILE_MAX: u32 = 100_000;

/// Checks one step; `None` when it is invalid (errors are in `c`).
pub(super) fn step(c: &mut Checker, key: &str, s: &RawStep) -> Option<Step> {
    let present: Vec<&str> = [
        ("run", s.run.is_some()),
        ("send", s.send.is_some()),
        ("boot", s.boot.is_some()),
        ("reboot", s.reboot.is_some()),
        ("poweroff", s.poweroff.is_some()),
        ("power_cut", s.power_cut.is_some()),
        ("wait", s.wait.is_some()),
        ("prompt", s.prompt.is_some()),
        ("quiet", s.quiet.is_some()),
        ("expect_panic", s.expect_panic.is_some()),
        ("metric", s.metric.is_some()),
        ("fsck", s.fsck.is_some()),
        ("disk_file", s.disk_file.is_some()),
        ("contract", s.contract.is_some()),
        ("crash_sweep", s.crash_sweep.is_some()),
        ("http_get", s.http_get.is_some()),
        ("tcp_exchange", s.tcp_exchange.is_some()),
        ("hostile_traffic", s.hostile_traffic.is_some()),
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
            ("expect_not", s.expect_not.is_some() && kind_name != "quiet"),
            ("output", s.output.is_some()),
            ("status", s.status.is_some()),
            ("capture", s.capture.is_some()),
        ] {
            if set {
                let with = if name == "expect_not" { "`run` or `quiet`" } else { "`run`" };
                c.error(&format!("{key}.{name}"), format!("`{name}` goes with {with}, not with `{kind_name}`"));
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
                expect: patterns(c, &format!("{key}.expect"), &s.expect),
                expect_not: patterns(c, &format!("{key}.expect_not"), &s.expect_not),
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
        "prompt" => {
            no_value(c, &format!("{key}.prompt"), &s.prompt);
            StepKind::Prompt
        }
        "quiet" => {
            let duration = c.check(&format!("{key}.quiet"), duration::parse(s.quiet.as_deref().unwrap_or("")))?;
            let list = regexes(c, &format!("{key}.expect_not"), &s.expect_not);
            let unexpected = match list.len() {
                0 if s.expect_not.is_none() => regex::Regex::new(r"\S").expect("valid regex"),
                1 => list.into_iter().next()?,
                _ => {
                    c.error(&format!("{key}.expect_not"), "a `quiet` step watches for one regex");
                    return None;
                }
            };
            StepKind::Quiet { duration, unexpected }
        }
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
        "contract" => {
            let f = s.contract.as_ref()?;
            if !f.path.starts_with('/') {
                c.error(&format!("{key}.contract.path"), "the path inside the filesystem starts with /");
            }
            // Relative to the workspace root, like every path in the config.
            let base = c.source.path.parent().and_then(|p| p.parent()).unwrap_or(std::path::Path::new("."));
            let file = base.join(&f.file);
            if !file.is_file() {
                c.error(&format!("{key}.contract.file"), format!("no such contract file: {}", f.file));
                return None;
            }
            match super::contract::load_contract(&file) {
                Ok(contract) => {
                    StepKind::Contract(ContractCheck { disk: f.disk.clone(), path: f.path.clone(), contract })
                }
                Err(e) => {
                    // The contract's own errors carry its file and line.
                    c.errors.push(e);
                    return None;
                }
            }
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
                request: HostRequest::Tcp { send, connections: t.connections.unwrap_or(1).max(1) },
                output: t.output.clone(),
                expect: regexes(c, &format!("{key}.tcp_exchange.expect"), &t.expect),
            })
        }
        "hostile_traffic" => {
            let h = s.hostile_traffic.as_ref()?;
            let d = crate::fixtures::hostile::Counts::DEFAULT;
            let mut count = |name: &str, v: Option<u32>, default: u32| {
                let n = v.unwrap_or(default);
                if n > HOSTILE_MAX {
                    c.error(&format!("{key}.hostile_traffic.{name}"), format!("{n} frames is more than {HOSTILE_MAX}"));
                }
                n.min(HOSTILE_MAX)
            };
            let counts = crate::fixtures::hostile::Counts {
                truncated: count("truncated", h.truncated, d.truncated),
                bad_checksum: count("bad_checksum", h.bad_checksum, d.bad_checksum),
                bad_length: count("bad_length", h.bad_length, d.bad_length),
                fragments: count("fragments", h.fragments, d.fragments),
                syn_flood: count("syn_flood", h.syn_flood, d.syn_flood),
                oversized: count("oversized", h.oversized, d.oversized),
                arp_garbage: count("arp_garbage", h.arp_garbage, d.arp_garbage),
            };
            StepKind::HostileTraffic { port: h.port, counts }
        }
        _ => unreachable!("kind names come from the list above"),
    };
    if c.errors.len() > errors_before {
        return None;
    }
    let label = s.name.clone().unwrap_or_else(|| default_label(&kind));
    Some(Step { label, timeout, kind })
}

/// Regexes that may hold `{{var}}`: checked now with each variable as a
/// plain word, compiled with the real (escaped) values when the step runs.
fn patterns(c: &mut Checker, key: &str, v: &Option<RawStrings>) -> Vec<Pattern> {
    strings(c, key, v)
        .into_iter()
        .filter_map(|p| {
            if p.contains("{{") {
                let probe = regex::Regex::new(r"\{\{[^}]*\}\}").expect("valid regex").replace_all(&p, "x").into_owned();
                c.check(key, regex(&probe)).map(|_| Pattern::Template(p))
            } else {
                c.check(key, regex(&p)).map(Pattern::Fixed)
            }
        })
        .collect()
}
