//! `cargo xtask compare`: diff a candidate profile's run against a reference profile's
//! (Linux as an oracle). Exit 0 when the candidate matches, 1 when it does not, 2 on bad
//! input (nothing is written then).

use crate::cli::CompareArgs;
use crate::compare::{self, check_profile, render, CompareError};
use crate::error::{Exit, Result};

pub fn run(args: CompareArgs) -> Result<Exit> {
    let first = compare::load(&args.report)?;
    let second = args.other.as_deref().map(compare::load).transpose()?;
    let (reference, candidate) = match &second {
        Some(second) => (&first, second),
        None if args.reference == args.candidate => return Err(CompareError::SameProfile(args.reference).into()),
        None => (&first, &first),
    };
    check_profile(&reference.run, &reference.file, &args.reference)?;
    check_profile(&candidate.run, &candidate.file, &args.candidate)?;
    let c = compare::compare(&reference.run, &args.reference, &candidate.run, &args.candidate, args.strict_output);
    if c.phases.is_empty() {
        return Err(CompareError::NoCommonPhase {
            reference: args.reference,
            reference_file: reference.file.clone(),
            candidate: args.candidate,
            candidate_file: candidate.file.clone(),
        }
        .into());
    }
    let (json, html) = compare::write(&candidate.dir, compare::FILE_STEM, &c)?;
    if args.json.json {
        print!("{}", render::json(&c));
    } else {
        print!("{}", render::table(&c));
        println!("reports: {}\n         {}", html.display(), json.display());
    }
    Ok(if c.passed { Exit::Success } else { Exit::TestFailed })
}

/// `scenario --oracle`: compares every profile of the finished run with `reference`, prints
/// each table on stderr and writes `compare.{json,html}` into `dir` (with several candidates:
/// `compare-<candidate>.{json,html}`). Returns whether every candidate matches.
pub fn oracle(
    report: &crate::report::RunReport,
    dir: &std::path::Path,
    reference: &str,
    candidates: &[String],
    strict_output: bool,
) -> anyhow::Result<bool> {
    let run = compare::Run::from_report(report);
    let mut all_match = true;
    for candidate in candidates {
        let c = compare::compare(&run, reference, &run, candidate, strict_output);
        let stem = if candidates.len() == 1 {
            compare::FILE_STEM.to_owned()
        } else {
            format!("{}-{candidate}", compare::FILE_STEM)
        };
        let (json, html) = compare::write(dir, &stem, &c)?;
        eprint!("{}", render::table(&c));
        eprintln!("compare: {}\n         {}", html.display(), json.display());
        all_match &= c.passed;
    }
    Ok(all_match)
}
