//! Command-line interface: one variant per command, doc comments are the help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build kernels and root filesystems, boot them under QEMU and run YAML scenarios",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios (phases or YAML files) on one or more profiles and write reports
    Scenario(ScenarioArgs),
    /// Build the artifacts of profiles (kernel, initramfs, disks) and print their paths
    Build(BuildArgs),
    /// Boot a profile and attach the serial console to this terminal (Ctrl-A x quits)
    Run(RunArgs),
    /// List profiles, scenarios and phases
    List(JsonArg),
    /// Parse and check YAML files (all profiles and scenarios by default) without booting
    Validate(ValidateArgs),
    /// Report which host tools are present, and how to install the missing ones
    Doctor(JsonArg),
    /// Measure a warm run of a scenario: wall time, time in QEMU, overhead, memory
    Bench(BenchArgs),
    /// Re-render the reports of an earlier run from its events.jsonl
    Report(ReportArgs),
    /// Compare a candidate profile's results with a reference profile's, step by step
    Compare(CompareArgs),
    /// Remove artifact-cache entries not used for a while (then the least recently used
    /// ones, with --max-size; entries used in the last hour always stay) and, with
    /// --keep-reports, old run reports
    Clean(CleanArgs),
    /// Merge the runs of a sharded (or per-profile) CI matrix into one run: one
    /// events.jsonl, junit.xml, index.html and report.json
    MergeReports(MergeReportsArgs),
    /// Print the key CI should cache the artifact cache (.cache/xtask) under: it changes
    /// whenever an input of the profiles' artifacts in the repository does
    CacheKey(ProfileArgs),
    /// Export scenarios for other test engines (LAVA job definitions)
    Export(ExportArgs),
    /// Make a minisign key pair for signing release bundles
    Keygen(KeygenArgs),
    /// Build profiles from source into a signed, reproducible bundle others verify offline
    Release(ReleaseArgs),
    /// Check a release bundle offline: sums, signature, SBOM, provenance, contract;
    /// optionally returned results, a boot of its images, a rebuild from source
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub target: ExportTarget,
}

#[derive(Debug, Subcommand)]
pub enum ExportTarget {
    /// LAVA job definitions: deploy the profile's images, boot with LAVA's QEMU method,
    /// the scenario's `run` steps as interactive tests
    Lava(LavaArgs),
}

#[derive(Debug, Args)]
pub struct LavaArgs {
    /// Profile whose images and QEMU settings the jobs use
    #[arg(long, short = 'p', value_name = "PROFILE")]
    pub profile: String,
    /// Phases (`phase-a1`) or scenario files; one job each
    #[arg(long = "scenario", required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<String>,
    /// Where to write `<profile>-<phase>.yaml`
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// URL template of the images on the lab's server, with `{profile}` and `{image}`
    /// (`kernel`, `initramfs.cpio`, `disk-<name>.img`); default: build them and use file:// URLs
    #[arg(long, value_name = "TEMPLATE")]
    pub image_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct MergeReportsArgs {
    /// Run directories (each holding events.jsonl), e.g. the downloaded shard reports
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged run
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Remove entries not used for this many days
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    pub unused_for: u32,
    /// Then remove the least recently used entries until the cache fits (e.g. 4G, 500M)
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// Also remove run reports (reports/<run-id>/) but the newest N (and the one
    /// reports/latest names)
    #[arg(long, value_name = "N")]
    pub keep_reports: Option<usize>,
    /// Only list what would be removed
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Profile to use (repeatable); default: `default_profile` of xtask.yaml
    #[arg(long = "profile", short = 'p', value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Use every profile listed in `all_profiles` of xtask.yaml
    #[arg(long, conflicts_with = "profiles")]
    pub all_profiles: bool,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print machine-readable JSON on stdout instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ScenarioArgs {
    /// Phases (`phase-a1` or `a1`) or paths to scenario YAML files
    #[arg(required = true, value_name = "SCENARIO")]
    pub scenarios: Vec<String>,
    #[command(flatten)]
    pub profiles: ProfileArgs,
    /// Match against a recorded transcript (.cast file), a plain serial log (console text) or a
    /// report directory instead of booting QEMU
    #[arg(long, value_name = "TRANSCRIPT")]
    pub replay: Option<PathBuf>,
    /// Only run tests whose name contains this text
    #[arg(long, value_name = "TEXT")]
    pub test: Option<String>,
    /// Tests run at the same time, each with its own guest (default: number of CPUs)
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// Force how tests get their guest: `boot` boots every test; `restore` also
    /// gives `shared` tests a fresh restored guest
    #[arg(long, value_name = "MODE", value_parser = ["boot", "restore"])]
    pub isolation: Option<String>,
    /// Also run on this reference profile (stock Linux) and compare every other profile
    /// with it, step by step (writes compare.json and compare.html)
    #[arg(long, value_name = "PROFILE")]
    pub oracle: Option<String>,
    /// With --oracle: a step whose output differs from the reference's (by shape) fails too
    #[arg(long, requires = "oracle")]
    pub strict_output: bool,
    /// Run one shard of the selected tests: `count:K/N` (round robin), `hash:K/N` (by test
    /// name), `duration:K/N` (balanced by the durations in --timings). The N shards run
    /// every test exactly once; `cargo xtask merge-reports` joins their reports
    #[arg(long, value_name = "KIND:K/N")]
    pub partition: Option<crate::runner::partition::Partition>,
    /// The report.json of an earlier run: its test durations balance `duration:`
    /// partitions and order the job queue (longest first); default for the queue: the
    /// durations of the last run on each profile
    #[arg(long, value_name = "REPORT_JSON")]
    pub timings: Option<PathBuf>,
    /// When no test ran (every selected test was skipped, or the shard is empty): `fail`
    /// exits 4, `warn` prints a warning and exits 0, `pass` exits 0
    #[arg(long, value_name = "ACTION", default_value = "fail")]
    pub no_tests: NoTests,
    #[command(flatten)]
    pub json: JsonArg,
}

/// What `scenario` does when no test ran (cargo-nextest's `--no-tests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NoTests {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub profiles: ProfileArgs,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Profile to boot; default: `default_profile` of xtask.yaml
    #[arg(long, short = 'p', value_name = "PROFILE")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files to check; default: xtask.yaml, every profile and every scenario
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario to measure
    #[arg(default_value = "phase-a1")]
    pub scenario: String,
    /// Profile to measure; default: `default_profile` of xtask.yaml
    #[arg(long, short = 'p', value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Only run tests whose name contains this text
    #[arg(long, value_name = "TEXT")]
    pub test: Option<String>,
    /// Also run on this reference profile (stock Linux): its METRIC values
    /// are shown beside the measured profile's
    #[arg(long, value_name = "PROFILE")]
    pub oracle: Option<String>,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run directory under reports/ (holding events.jsonl)
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A report directory or its report.json; with one report it must hold both profiles
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// A second report: the reference is read from the first, the candidate from this one
    #[arg(value_name = "OTHER")]
    pub other: Option<PathBuf>,
    /// The reference profile (stock Linux): every test must pass there
    #[arg(long, value_name = "PROFILE")]
    pub reference: String,
    /// The candidate profile, compared with the reference
    #[arg(long, value_name = "PROFILE")]
    pub candidate: String,
    /// Fail on output-only differences too
    #[arg(long)]
    pub strict_output: bool,
    #[command(flatten)]
    pub json: JsonArg,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Secret key file to write (the public key goes to FILE.pub and stdout). The
    /// password comes from $XTASK_KEY_PASSWORD, else it is asked for on the terminal
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    pub profiles: ProfileArgs,
    /// Bundle directory to create (must not exist); DIR.tar.gz is written beside it
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Secret key (from `cargo xtask keygen`) to sign with; without it the bundle is unsigned.
    /// Password: $XTASK_KEY_PASSWORD, else asked for on the terminal
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Phases (or scenario files) whose tests make the acceptance contract (repeatable)
    #[arg(long = "scenario", value_name = "PHASE", default_value = "phase-a0")]
    pub scenarios: Vec<String>,
    /// Release from a work tree with uncommitted changes (recorded in the provenance)
    #[arg(long)]
    pub allow_dirty: bool,
    /// Build everything twice in two fresh caches and list every file that differs
    #[arg(long)]
    pub check_reproducible: bool,
    /// Do not write DIR.tar.gz
    #[arg(long)]
    pub no_archive: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A bundle directory (or its .tar.gz)
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// The release public key (FILE.pub from keygen); required to check the signature
    #[arg(long, value_name = "FILE")]
    pub pubkey: Option<PathBuf>,
    /// Rebuild from source at the recorded commit (a clean checkout, a fresh cache)
    /// and compare bytes
    #[arg(long)]
    pub rebuild: bool,
    /// Boot the bundle's own images and hold the contract's scenarios to the contract
    #[arg(long)]
    pub boot: bool,
    /// With --boot: where the run's reports go (default: reports/verify-<time>-<pid>)
    #[arg(long, value_name = "DIR", requires = "boot")]
    pub report_dir: Option<PathBuf>,
    /// Check results a validator sent back (report.json, junit.xml or serial logs, and BUNDLE-ID)
    #[arg(long, value_name = "DIR")]
    pub results: Option<PathBuf>,
    /// With --boot: tests run at the same time
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
}
