//! `merge-reports`: the event logs of a run's shards (or of runs on other
//! profiles) joined into one log, from which the usual reports are rendered.
//! Pure: the command reads the logs and writes the result.
//!
//! Runs of one profile must agree on the commit and on the digest of the
//! resolved configuration; a test reported by two runs is an error; a test
//! announced by a suite but reported by no run (its shard is missing) fails
//! in the merged report as "not run".

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::event::{Event, EventKind, Outcome, SuiteId, TestId};

/// One run's log and where it came from (for messages).
pub struct Input {
    pub dir: PathBuf,
    pub events: Vec<Event>,
}

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{0}: no run context in events.jsonl (a run from an older xtask?): cannot tell which commit and configuration it ran")]
    NoContext(PathBuf),
    #[error("{a}: commit {ca}, but {b}: commit {cb}: shards must come from one commit")]
    Commit { a: PathBuf, ca: String, b: PathBuf, cb: String },
    #[error(
        "profile `{profile}` ran with different configurations in {a} and {b} (profile or scenario files, or --test, differ)"
    )]
    Config { profile: String, a: PathBuf, b: PathBuf },
    #[error("{a} ({pa}) and {b} ({pb}) partition the run differently")]
    Partition { a: PathBuf, pa: String, b: PathBuf, pb: String },
    #[error("tests reported by more than one run: {}", .0.join(", "))]
    Duplicated(Vec<String>),
}

pub struct Merged {
    pub events: Vec<Event>,
    /// Tests announced but reported by no run (`profile/phase/test`).
    pub missing: Vec<String>,
    /// Shards of a partitioned run that were not given (`count:2/3`).
    pub missing_shards: Vec<String>,
}

/// Message of a test that no shard reported.
pub const NOT_RUN: &str = "not run: no shard reported this test (is a shard missing?)";

struct Context<'a> {
    dir: &'a PathBuf,
    run_id: String,
    commit: Option<String>,
    configs: BTreeMap<String, String>,
    partition: Option<String>,
}

pub fn merge(inputs: &[Input], run_id: &str, started_unix: u64, command: Vec<String>) -> Result<Merged, MergeError> {
    let mut contexts = Vec::new();
    for input in inputs {
        let mut run = None;
        let mut context = None;
        for e in &input.events {
            match &e.kind {
                EventKind::RunStarted { run_id, .. } if run.is_none() => run = Some(run_id.clone()),
                EventKind::RunContext { commit, configs, partition } if context.is_none() => {
                    context = Some((commit.clone(), configs.clone(), partition.clone()))
                }
                _ => {}
            }
        }
        let (commit, configs, partition) = context.ok_or_else(|| MergeError::NoContext(input.dir.clone()))?;
        contexts.push(Context { dir: &input.dir, run_id: run.unwrap_or_default(), commit, configs, partition });
    }
    check_agreement(&contexts)?;
    let missing_shards = missing_shards(&contexts);

    // Who reported what, to find duplicates and tests nobody ran.
    let mut announced: BTreeMap<SuiteId, Vec<String>> = BTreeMap::new();
    let mut reported: BTreeMap<TestId, usize> = BTreeMap::new();
    for input in inputs {
        let mut mine = BTreeSet::new();
        for e in &input.events {
            match &e.kind {
                EventKind::SuiteStarted { suite, tests, .. } => {
                    let list = announced.entry(suite.clone()).or_default();
                    for t in tests {
                        if !list.contains(t) {
                            list.push(t.clone());
                        }
                    }
                }
                EventKind::TestStarted { test } | EventKind::TestSkipped { test, .. } => {
                    mine.insert(test.clone());
                }
                _ => {}
            }
        }
        for t in mine {
            *reported.entry(t).or_default() += 1;
        }
    }
    let name = |t: &TestId| format!("{}/{}/{}", t.suite.profile, t.suite.phase, t.test);
    let duplicated: Vec<String> = reported.iter().filter(|(_, &n)| n > 1).map(|(t, _)| name(t)).collect();
    if !duplicated.is_empty() {
        return Err(MergeError::Duplicated(duplicated));
    }
    let mut missing = Vec::new();
    for (suite, tests) in &announced {
        for test in tests {
            let id = TestId { suite: suite.clone(), test: test.clone() };
            if !reported.contains_key(&id) {
                missing.push(id);
            }
        }
    }

    let commit = contexts.iter().find_map(|c| c.commit.clone());
    let configs = contexts.iter().flat_map(|c| c.configs.clone()).collect();
    let mut events = vec![
        Event { t: 0.0, kind: EventKind::RunStarted { run_id: run_id.to_string(), started_unix, command } },
        Event { t: 0.0, kind: EventKind::RunContext { commit, configs, partition: None } },
    ];
    for shard in &missing_shards {
        events.push(note(format!("shard {shard} is missing from the merge")));
    }
    for id in &missing {
        let outcome = Outcome::Failed { message: NOT_RUN.to_string() };
        events.push(Event {
            t: 0.0,
            kind: EventKind::TestFinished { test: id.clone(), outcome, seconds: 0.0, transcript: None },
        });
    }
    let mut finished: f64 = 0.0;
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| (contexts[i].partition.as_deref().map(shard_number), i));
    for i in order {
        let c = &contexts[i];
        let partition = c.partition.clone().unwrap_or_else(|| "whole run".to_string());
        events.push(Event { t: 0.0, kind: EventKind::Shard { partition, run_id: c.run_id.clone() } });
        for e in &inputs[i].events {
            match &e.kind {
                EventKind::RunStarted { .. } | EventKind::RunContext { .. } | EventKind::Shard { .. } => {}
                EventKind::RunFinished { seconds } => finished = finished.max(*seconds),
                _ => events.push(e.clone()),
            }
        }
    }
    let last = events.iter().map(|e| e.t).fold(0.0, f64::max);
    events.push(Event { t: last.max(finished), kind: EventKind::RunFinished { seconds: last.max(finished) } });
    Ok(Merged { events, missing: missing.iter().map(name).collect(), missing_shards })
}

fn note(text: String) -> Event {
    Event { t: 0.0, kind: EventKind::Note { profile: "merge".to_string(), test: None, text } }
}

/// `count:2/3` → 2 (for ordering shards in the merged log).
fn shard_number(partition: &str) -> u32 {
    partition.parse::<crate::runner::partition::Partition>().map_or(0, |p| p.shard)
}

fn check_agreement(contexts: &[Context<'_>]) -> Result<(), MergeError> {
    for (i, a) in contexts.iter().enumerate() {
        for b in &contexts[i + 1..] {
            if let (Some(ca), Some(cb)) = (&a.commit, &b.commit) {
                if ca != cb {
                    return Err(MergeError::Commit {
                        a: a.dir.clone(),
                        ca: ca.clone(),
                        b: b.dir.clone(),
                        cb: cb.clone(),
                    });
                }
            }
            for (profile, digest) in &a.configs {
                if b.configs.get(profile).is_some_and(|d| d != digest) {
                    return Err(MergeError::Config { profile: profile.clone(), a: a.dir.clone(), b: b.dir.clone() });
                }
            }
            // Shards of one run (same profiles) must use one partitioning.
            if a.configs == b.configs {
                let (pa, pb) = (parse(&a.partition), parse(&b.partition));
                let same = match (pa, pb) {
                    (Some(x), Some(y)) => x.strategy == y.strategy && x.total == y.total,
                    _ => false,
                };
                if !same {
                    let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "not partitioned".to_string());
                    return Err(MergeError::Partition {
                        a: a.dir.clone(),
                        pa: show(&a.partition),
                        b: b.dir.clone(),
                        pb: show(&b.partition),
                    });
                }
            }
        }
    }
    Ok(())
}

fn parse(p: &Option<String>) -> Option<crate::runner::partition::Partition> {
    p.as_deref()?.parse().ok()
}

/// For each partitioned run, the shards 1..N that were not given.
fn missing_shards(contexts: &[Context<'_>]) -> Vec<String> {
    let mut runs: BTreeMap<String, (crate::runner::partition::Partition, BTreeSet<u32>, String)> = BTreeMap::new();
    for c in contexts {
        let Some(p) = parse(&c.partition) else { continue };
        let key = format!("{:?}", c.configs);
        let profiles = c.configs.keys().cloned().collect::<Vec<_>>().join(", ");
        runs.entry(key).or_insert_with(|| (p, BTreeSet::new(), profiles)).1.insert(p.shard);
    }
    let mut out = Vec::new();
    for (_, (p, seen, profiles)) in runs {
        for k in (1..=p.total).filter(|k| !seen.contains(k)) {
            let mut missing = p;
            missing.shard = k;
            out.push(format!("{missing} (profiles {profiles})"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(test: &str) -> TestId {
        TestId { suite: SuiteId { phase: "phase-a1".into(), profile: "p".into() }, test: test.into() }
    }

    fn shard(partition: Option<&str>, digest: &str, ran: &[&str]) -> Input {
        let e = |kind| Event { t: 1.0, kind };
        let mut events = vec![
            e(EventKind::RunStarted { run_id: format!("run-{partition:?}"), started_unix: 0, command: vec![] }),
            e(EventKind::RunContext {
                commit: Some("abc".into()),
                configs: [("p".to_string(), digest.to_string())].into(),
                partition: partition.map(str::to_string),
            }),
            e(EventKind::SuiteStarted {
                suite: id("").suite,
                title: "t".into(),
                scenario_file: "f".into(),
                tests: vec!["a".into(), "b".into(), "c".into()],
            }),
        ];
        for t in ran {
            events.push(e(EventKind::TestStarted { test: id(t) }));
            events.push(e(EventKind::TestFinished {
                test: id(t),
                outcome: Outcome::Passed,
                seconds: 1.0,
                transcript: None,
            }));
        }
        events.push(e(EventKind::RunFinished { seconds: 2.0 }));
        Input { dir: PathBuf::from(format!("shard-{}", partition.unwrap_or("all"))), events }
    }

    #[test]
    fn two_shards_make_the_whole_run() {
        let m =
            merge(&[shard(Some("count:2/2"), "d", &["b"]), shard(Some("count:1/2"), "d", &["a", "c"])], "m", 0, vec![])
                .unwrap();
        assert!(m.missing.is_empty() && m.missing_shards.is_empty());
        let r = crate::report::RunReport::from_events(&m.events);
        let tests: Vec<(&str, Option<&str>)> =
            r.suites[0].tests.iter().map(|t| (t.name.as_str(), t.shard.as_deref())).collect();
        assert_eq!(tests, [("a", Some("count:1/2")), ("b", Some("count:2/2")), ("c", Some("count:1/2"))]);
        assert_eq!((r.counts.passed, r.counts.total), (3, 3));
        assert_eq!(r.shards.len(), 2);
    }

    #[test]
    fn a_missing_shard_leaves_failed_tests_named() {
        let m = merge(&[shard(Some("count:1/2"), "d", &["a", "c"])], "m", 0, vec![]).unwrap();
        assert_eq!(m.missing, ["p/phase-a1/b"]);
        assert_eq!(m.missing_shards, ["count:2/2 (profiles p)"]);
        let r = crate::report::RunReport::from_events(&m.events);
        assert_eq!(r.counts.failed, 1);
    }

    #[test]
    fn refuses_other_configurations_partitions_and_duplicates() {
        let err = |inputs: &[Input]| merge(inputs, "m", 0, vec![]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(&[shard(Some("count:1/2"), "d1", &["a"]), shard(Some("count:2/2"), "d2", &["b"])])
            .contains("different configurations"));
        assert!(err(&[shard(Some("count:1/2"), "d", &["a"]), shard(Some("hash:2/2"), "d", &["b"])])
            .contains("partition the run differently"));
        assert!(err(&[shard(Some("count:1/2"), "d", &["a", "b"]), shard(Some("count:2/2"), "d", &["b", "c"])])
            .contains("p/phase-a1/b"));
        let mut other_commit = shard(Some("count:2/2"), "d", &["b"]);
        if let EventKind::RunContext { commit, .. } = &mut other_commit.events[1].kind {
            *commit = Some("def".into());
        }
        assert!(err(&[shard(Some("count:1/2"), "d", &["a"]), other_commit]).contains("one commit"));
    }
}
