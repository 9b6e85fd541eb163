//! The comparison itself: a pure function of two runs and two profile names.
//!
//! These structs serialize as `compare.json` (docs/REPORTS.md, "compare.json"): change them
//! only together with `SCHEMA_VERSION` and the docs.

use serde::Serialize;

use super::input::{Run, Status, Step, Test};
use super::normalise::{first_difference, shape, LineDifference};
pub use super::verdict::{Counts, StepVerdict, TestVerdict};

/// Bump on any change that can break a reader of `compare.json`.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub schema_version: u32,
    pub reference: Side,
    pub candidate: Side,
    /// Whether output-only differences fail the comparison (`--strict-output`).
    pub strict_output: bool,
    /// The gate: at least one phase was compared, and no test is a regression, differs or
    /// fails on the reference (and, with `strict_output`, none has output differences).
    pub passed: bool,
    pub counts: Counts,
    /// Phases in both runs, in the reference's order.
    pub phases: Vec<Phase>,
    /// Phases run on only one of the two profiles.
    pub not_compared: Vec<NotCompared>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub profile: String,
    pub run_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotCompared {
    pub phase: String,
    /// The profile that has the phase.
    pub only_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    pub phase: String,
    pub counts: Counts,
    pub tests: Vec<TestComparison>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestComparison {
    pub name: String,
    pub verdict: TestVerdict,
    /// `null` when the test is not in the reference run.
    pub reference: Option<TestSide>,
    pub candidate: Option<TestSide>,
    /// Every step of either side, by index.
    pub steps: Vec<StepComparison>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestSide {
    pub status: Status,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepComparison {
    pub index: usize,
    pub description: String,
    pub verdict: StepVerdict,
    pub reference: Option<StepSide>,
    pub candidate: Option<StepSide>,
    /// Outputs are byte for byte equal (two missing outputs are equal).
    pub output_equal: bool,
    /// Outputs are equal after normalisation (CRs, trailing blanks, digit runs).
    pub output_shape_equal: bool,
    /// The first line whose shape differs, when the shapes differ.
    pub first_difference: Option<LineDifference>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepSide {
    pub status: Status,
    pub message: Option<String>,
    pub exit_status: Option<i32>,
    pub output: Option<String>,
}

/// Compares the suites of `reference` (a profile of `ref_run`) with those of `candidate`
/// (a profile of `cand_run`; the same run when one report holds both). The caller has
/// checked that each run has its profile.
pub fn compare(ref_run: &Run, reference: &str, cand_run: &Run, candidate: &str, strict_output: bool) -> Comparison {
    let ref_suites: Vec<_> = ref_run.suites.iter().filter(|s| s.profile == reference).collect();
    let cand_suites: Vec<_> = cand_run.suites.iter().filter(|s| s.profile == candidate).collect();
    let mut phases = Vec::new();
    let mut not_compared = Vec::new();
    for r in &ref_suites {
        match cand_suites.iter().find(|c| c.phase == r.phase) {
            Some(c) => phases.push(compare_phase(&r.phase, &r.tests, &c.tests)),
            None => not_compared.push(NotCompared { phase: r.phase.clone(), only_on: reference.to_owned() }),
        }
    }
    for c in cand_suites.iter().filter(|c| !ref_suites.iter().any(|r| r.phase == c.phase)) {
        not_compared.push(NotCompared { phase: c.phase.clone(), only_on: candidate.to_owned() });
    }
    let mut counts = Counts::default();
    for p in &phases {
        counts.merge(p.counts);
    }
    let passed = !phases.is_empty() && phases.iter().flat_map(|p| &p.tests).all(|t| !t.verdict.fails(strict_output));
    Comparison {
        schema_version: SCHEMA_VERSION,
        reference: Side { profile: reference.to_owned(), run_id: ref_run.id.clone() },
        candidate: Side { profile: candidate.to_owned(), run_id: cand_run.id.clone() },
        strict_output,
        passed,
        counts,
        phases,
        not_compared,
    }
}

fn compare_phase(phase: &str, reference: &[Test], candidate: &[Test]) -> Phase {
    let mut tests: Vec<TestComparison> =
        reference.iter().map(|r| compare_test(Some(r), candidate.iter().find(|c| c.name == r.name))).collect();
    for c in candidate.iter().filter(|c| !reference.iter().any(|r| r.name == c.name)) {
        tests.push(compare_test(None, Some(c)));
    }
    let mut counts = Counts::default();
    for t in &tests {
        counts.add(t.verdict);
    }
    Phase { phase: phase.to_owned(), counts, tests }
}

fn compare_test(reference: Option<&Test>, candidate: Option<&Test>) -> TestComparison {
    let name = reference.or(candidate).map(|t| t.name.clone()).unwrap_or_default();
    let mut indices: Vec<usize> =
        reference.into_iter().chain(candidate).flat_map(|t| &t.steps).map(|s| s.index).collect();
    indices.sort_unstable();
    indices.dedup();
    let steps: Vec<StepComparison> =
        indices.into_iter().map(|i| compare_step(i, step_at(reference, i), step_at(candidate, i))).collect();
    let verdict = match (reference, candidate) {
        (None, _) | (_, None) => TestVerdict::Missing,
        (Some(r), _) if r.status == Status::Failed => TestVerdict::ReferenceFails,
        (Some(r), Some(c)) if r.status == Status::Passed && c.status == Status::Failed => TestVerdict::Regression,
        (Some(r), Some(c))
            if r.status != c.status
                || steps.iter().any(|s| matches!(s.verdict, StepVerdict::Differs | StepVerdict::Missing)) =>
        {
            TestVerdict::Differs
        }
        _ if steps.iter().any(|s| s.verdict == StepVerdict::OutputDiffers) => TestVerdict::OutputDiffers,
        _ => TestVerdict::Same,
    };
    let side = |t: &Test| TestSide { status: t.status, message: t.message.clone() };
    TestComparison { name, verdict, reference: reference.map(side), candidate: candidate.map(side), steps }
}

fn step_at(test: Option<&Test>, index: usize) -> Option<&Step> {
    test.and_then(|t| t.steps.iter().find(|s| s.index == index))
}

fn compare_step(index: usize, reference: Option<&Step>, candidate: Option<&Step>) -> StepComparison {
    let description = reference.or(candidate).map(|s| s.description.clone()).unwrap_or_default();
    let (ro, co) = (reference.and_then(|s| s.output.as_deref()), candidate.and_then(|s| s.output.as_deref()));
    let output_equal = ro == co;
    let output_shape_equal = ro.map(shape) == co.map(shape);
    let verdict = match (reference, candidate) {
        (Some(r), Some(c)) if r.status != c.status || r.exit_status != c.exit_status => StepVerdict::Differs,
        (Some(_), Some(_)) if !output_shape_equal => StepVerdict::OutputDiffers,
        (Some(_), Some(_)) => StepVerdict::Same,
        _ => StepVerdict::Missing,
    };
    let first_difference = if output_shape_equal { None } else { first_difference(ro.unwrap_or(""), co.unwrap_or("")) };
    let side = |s: &Step| StepSide {
        status: s.status,
        message: s.message.clone(),
        exit_status: s.exit_status,
        output: s.output.clone(),
    };
    StepComparison {
        index,
        description,
        verdict,
        reference: reference.map(side),
        candidate: candidate.map(side),
        output_equal,
        output_shape_equal,
        first_difference,
    }
}
