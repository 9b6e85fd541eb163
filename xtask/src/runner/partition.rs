//! `--partition count:K/N | hash:K/N | duration:K/N`: which shard runs which
//! unit of a run. Pure, so every machine computing shard K of N from the same
//! profiles and scenarios picks the same units, and the N shards together pick
//! every unit exactly once (cargo-nextest's `--partition`).
//!
//! A unit is one test, or a group of consecutive `shared` tests of one suite
//! (they pass one guest along, so they cannot be split).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Round robin over the units in plan order.
    Count,
    /// By a stable hash of the unit's name: a unit stays on its shard when
    /// others are added or removed.
    Hash,
    /// Balanced by the durations of an earlier run (`--timings`): longest
    /// first, each onto the least loaded shard.
    Duration,
}

/// Shard `shard` (1-based) of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub strategy: Strategy,
    pub shard: u32,
    pub total: u32,
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = "expected count:K/N, hash:K/N or duration:K/N with 1 <= K <= N";
        let (kind, rest) = s.split_once(':').ok_or_else(|| format!("`{s}`: {usage}"))?;
        let strategy = match kind {
            "count" => Strategy::Count,
            "hash" => Strategy::Hash,
            "duration" => Strategy::Duration,
            other => return Err(format!("unknown partition strategy `{other}`: {usage}")),
        };
        let (k, n) = rest.split_once('/').ok_or_else(|| format!("`{s}`: {usage}"))?;
        let (shard, total) = match (k.parse::<u32>(), n.parse::<u32>()) {
            (Ok(k), Ok(n)) if k >= 1 && k <= n => (k, n),
            _ => return Err(format!("`{s}`: {usage}")),
        };
        Ok(Partition { strategy, shard, total })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.strategy {
            Strategy::Count => "count",
            Strategy::Hash => "hash",
            Strategy::Duration => "duration",
        };
        write!(f, "{kind}:{}/{}", self.shard, self.total)
    }
}

/// A unit as the partition sees it: a stable name (`profile/phase/first-test`)
/// and its known duration, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub name: String,
    pub seconds: Option<f64>,
}

impl Partition {
    /// Which of `units` (in plan order) this shard runs, as a mask.
    pub fn select(&self, units: &[Unit]) -> Vec<bool> {
        let shard = self.shard - 1;
        match self.strategy {
            Strategy::Count => (0..units.len()).map(|i| i as u32 % self.total == shard).collect(),
            Strategy::Hash => {
                units.iter().map(|u| stable_hash(&u.name) % u64::from(self.total) == u64::from(shard)).collect()
            }
            Strategy::Duration => {
                let owners = balance(units, self.total as usize);
                owners.iter().map(|&o| o == shard as usize).collect()
            }
        }
    }
}

fn stable_hash(name: &str) -> u64 {
    let digest = Sha256::digest(name.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
}

/// Longest processing time first: units sorted by duration (unknown ones
/// count as the median of the known ones, or 1 s), each given to the shard
/// with the least total so far. Ties go to the lower unit index and the
/// lower shard, so the result depends on nothing but the input.
pub fn balance(units: &[Unit], shards: usize) -> Vec<usize> {
    let mut known: Vec<f64> = units.iter().filter_map(|u| u.seconds).collect();
    known.sort_by(f64::total_cmp);
    let fallback = if known.is_empty() { 1.0 } else { known[known.len() / 2] };
    let cost = |u: &Unit| u.seconds.unwrap_or(fallback);
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| cost(&units[b]).total_cmp(&cost(&units[a])).then(a.cmp(&b)));
    let mut load = vec![0.0f64; shards.max(1)];
    let mut owner = vec![0; units.len()];
    for i in order {
        let least = (0..load.len()).min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b))).unwrap_or(0);
        load[least] += cost(&units[i]);
        owner[i] = least;
    }
    owner
}

/// Test durations of an earlier run, from its `report.json`: seconds by
/// `(profile, phase, test)`. Skipped tests are left out.
pub fn timings_from_report(json: &str) -> Result<HashMap<(String, String, String), f64>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let suites = value["suites"].as_array().ok_or("no `suites` array: not a report.json")?;
    let mut out = HashMap::new();
    for suite in suites {
        let (Some(profile), Some(phase)) = (suite["profile"].as_str(), suite["phase"].as_str()) else {
            continue;
        };
        for test in suite["tests"].as_array().into_iter().flatten() {
            if test["status"] == "skipped" {
                continue;
            }
            if let (Some(name), Some(seconds)) = (test["name"].as_str(), test["seconds"].as_f64()) {
                out.insert((profile.to_string(), phase.to_string(), name.to_string()), seconds);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(seconds: &[Option<f64>]) -> Vec<Unit> {
        seconds.iter().enumerate().map(|(i, s)| Unit { name: format!("p/phase/t{i}"), seconds: *s }).collect()
    }

    #[test]
    fn parses_and_prints() {
        let p: Partition = "count:2/3".parse().unwrap();
        assert_eq!(p, Partition { strategy: Strategy::Count, shard: 2, total: 3 });
        assert_eq!(p.to_string(), "count:2/3");
        for bad in ["count:0/2", "count:3/2", "slice:1/2", "count:1", "count", "hash:a/b"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_strategy_covers_every_unit_exactly_once() {
        let us = units(&[Some(65.0), Some(3.0), None, Some(10.0), Some(2.5), None, Some(7.0)]);
        for strategy in ["count", "hash", "duration"] {
            for total in 1..=4u32 {
                let mut times = vec![0; us.len()];
                for shard in 1..=total {
                    let p: Partition = format!("{strategy}:{shard}/{total}").parse().unwrap();
                    for (i, picked) in p.select(&us).into_iter().enumerate() {
                        times[i] += usize::from(picked);
                    }
                }
                assert!(times.iter().all(|&n| n == 1), "{strategy} /{total}: {times:?}");
            }
        }
    }

    #[test]
    fn count_is_round_robin() {
        let p: Partition = "count:1/2".parse().unwrap();
        assert_eq!(p.select(&units(&[None; 5])), [true, false, true, false, true]);
    }

    #[test]
    fn duration_puts_the_long_test_alone() {
        // 65 s against 3+10+2.5+7+(two unknowns at the median 7) = 36.5 s.
        let owners = balance(&units(&[Some(65.0), Some(3.0), None, Some(10.0), Some(2.5), None, Some(7.0)]), 2);
        assert_eq!(owners, [0, 1, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn timings_read_a_report() {
        let json = r#"{"suites":[{"profile":"p","phase":"phase-a1","tests":[
            {"name":"a","status":"passed","seconds":1.5},{"name":"b","status":"skipped","seconds":0}]}]}"#;
        let t = timings_from_report(json).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[&("p".into(), "phase-a1".into(), "a".into())], 1.5);
        assert!(timings_from_report("{}").is_err());
    }
}
