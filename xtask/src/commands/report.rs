//! `cargo xtask report DIR`: re-render a run's reports from its event log.

use crate::cli::ReportArgs;
use crate::error::{Exit, Result};
use crate::report;

pub fn run(args: ReportArgs) -> Result<Exit> {
    let events = report::load_events(&args.dir.join(report::EVENTS_FILE))?;
    let dir = args.dir.clone();
    let written =
        report::write_all(&args.dir, &events, &|rel| crate::console::transcript::plain_text(&dir.join(rel)).ok())?;
    println!("{}\n{}\n{}", written.html.display(), written.junit.display(), written.json.display());
    Ok(Exit::Success)
}
