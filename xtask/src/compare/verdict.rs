//! Verdicts of tests and steps, which of them fail the gate, and their counts (the rules
//! are in docs/REPORTS.md, "compare.json").

use serde::Serialize;

/// A test's verdict, the first rule that applies in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestVerdict {
    /// The test is in only one of the two runs.
    Missing,
    /// The test fails on the reference: the test is wrong on Linux.
    ReferenceFails,
    /// Passed on the reference, failed on the candidate.
    Regression,
    /// Other outcome differences (e.g. passed vs skipped), or a step differs or is missing.
    Differs,
    /// Same outcomes and exit statuses; some step's output has a different shape.
    OutputDiffers,
    Same,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepVerdict {
    /// The step ran on only one side (usually: the other side's test stopped earlier).
    Missing,
    /// Status or exit status differ.
    Differs,
    /// Status and exit status equal, output shapes differ.
    OutputDiffers,
    Same,
}

impl TestVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            TestVerdict::Missing => "missing",
            TestVerdict::ReferenceFails => "reference fails",
            TestVerdict::Regression => "regression",
            TestVerdict::Differs => "differs",
            TestVerdict::OutputDiffers => "output differs",
            TestVerdict::Same => "same",
        }
    }

    /// Whether this verdict fails the gate.
    pub fn fails(self, strict_output: bool) -> bool {
        match self {
            TestVerdict::ReferenceFails | TestVerdict::Regression | TestVerdict::Differs => true,
            TestVerdict::OutputDiffers => strict_output,
            TestVerdict::Missing | TestVerdict::Same => false,
        }
    }
}

impl StepVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            StepVerdict::Missing => "missing",
            StepVerdict::Differs => "differs",
            StepVerdict::OutputDiffers => "output differs",
            StepVerdict::Same => "same",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub tests: usize,
    pub same: usize,
    pub output_differs: usize,
    pub differs: usize,
    pub regression: usize,
    pub reference_fails: usize,
    pub missing: usize,
}

impl Counts {
    pub(super) fn add(&mut self, verdict: TestVerdict) {
        self.tests += 1;
        *match verdict {
            TestVerdict::Missing => &mut self.missing,
            TestVerdict::ReferenceFails => &mut self.reference_fails,
            TestVerdict::Regression => &mut self.regression,
            TestVerdict::Differs => &mut self.differs,
            TestVerdict::OutputDiffers => &mut self.output_differs,
            TestVerdict::Same => &mut self.same,
        } += 1;
    }

    pub(super) fn merge(&mut self, o: Counts) {
        self.tests += o.tests;
        self.same += o.same;
        self.output_differs += o.output_differs;
        self.differs += o.differs;
        self.regression += o.regression;
        self.reference_fails += o.reference_fails;
        self.missing += o.missing;
    }

    /// `14 tests, 12 same, 1 output differs, 1 regression` (zero counts left out, except
    /// `same`).
    pub fn summary(&self) -> String {
        let mut s = format!("{} test{}, {} same", self.tests, if self.tests == 1 { "" } else { "s" }, self.same);
        for (n, what) in [
            (self.output_differs, "output differs"),
            (self.differs, "differs"),
            (self.regression, if self.regression == 1 { "regression" } else { "regressions" }),
            (self.reference_fails, "reference fails"),
            (self.missing, "missing"),
        ] {
            if n > 0 {
                s.push_str(&format!(", {n} {what}"));
            }
        }
        s
    }
}
