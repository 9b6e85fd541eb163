//! What a comparison reads of a run: suites, tests and steps with their outcomes, exit
//! statuses and output. Built from a `report.json` (schema version 1, docs/REPORTS.md) or
//! from the in-memory `RunReport` of a run that just finished.

use serde::{Deserialize, Serialize};

use crate::event::Outcome;
use crate::report::model::RunReport;

/// The `report.json` schema version this reader understands.
pub const REPORT_SCHEMA_VERSION: u64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        }
    }
}

/// One run, reduced to what a comparison needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: String,
    pub suites: Vec<Suite>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Suite {
    pub phase: String,
    pub profile: String,
    pub tests: Vec<Test>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Test {
    pub name: String,
    pub status: Status,
    pub message: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Step {
    pub index: usize,
    pub description: String,
    pub status: Status,
    pub message: Option<String>,
    pub output: Option<String>,
    pub exit_status: Option<i32>,
}

/// The part of `report.json` read here; unknown fields are ignored, as the schema asks.
#[derive(Deserialize)]
struct ReportJson {
    run: RunJson,
    suites: Vec<Suite>,
}

#[derive(Deserialize)]
struct RunJson {
    id: String,
}

impl Run {
    /// Parses the text of a `report.json`. Errors are fragments for "failed to read ...".
    pub fn from_json(text: &str) -> Result<Run, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        match value.get("schema_version").and_then(serde_json::Value::as_u64) {
            Some(REPORT_SCHEMA_VERSION) => {}
            Some(v) => return Err(format!("schema_version {v} is not supported (expected {REPORT_SCHEMA_VERSION})")),
            None => return Err("no `schema_version`: not a report.json".to_owned()),
        }
        let report: ReportJson = serde_json::from_value(value).map_err(|e| format!("not a report.json: {e}"))?;
        Ok(Run { id: report.run.id, suites: report.suites })
    }

    pub fn from_report(report: &RunReport) -> Run {
        let outcome = |o: &Outcome| match o {
            Outcome::Passed => (Status::Passed, None),
            Outcome::Failed { message } => (Status::Failed, Some(message.clone())),
            Outcome::Skipped { reason } => (Status::Skipped, Some(reason.clone())),
        };
        let suites = report
            .suites
            .iter()
            .map(|s| Suite {
                phase: s.phase.clone(),
                profile: s.profile.clone(),
                tests: s
                    .tests
                    .iter()
                    .map(|t| {
                        let (status, message) = outcome(&t.outcome);
                        let steps = t
                            .steps
                            .iter()
                            .map(|st| {
                                let (status, message) = outcome(&st.outcome);
                                Step {
                                    index: st.index,
                                    description: st.description.clone(),
                                    status,
                                    message,
                                    output: st.output.clone(),
                                    exit_status: st.exit_status,
                                }
                            })
                            .collect();
                        Test { name: t.name.clone(), status, message, steps }
                    })
                    .collect(),
            })
            .collect();
        Run { id: report.run_id.clone(), suites }
    }

    /// Profiles that have at least one suite in this run, sorted.
    pub fn profiles(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.suites.iter().map(|s| s.profile.as_str()).collect();
        p.sort_unstable();
        p.dedup();
        p
    }

    pub fn has_profile(&self, profile: &str) -> bool {
        self.suites.iter().any(|s| s.profile == profile)
    }
}
