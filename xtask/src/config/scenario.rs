//! Resolved scenarios: what to check, as typed steps.

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;

#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: PathBuf,
    pub phase: String,
    pub title: String,
    pub description: Option<String>,
    pub requires: Vec<super::profile::Capability>,
    pub tests: Vec<Test>,
}

#[derive(Debug, Clone)]
pub struct Test {
    pub name: String,
    pub description: Option<String>,
    pub requires: Vec<super::profile::Capability>,
    /// Overrides the profile's whole-test deadline.
    pub timeout: Option<Duration>,
    pub isolation: Isolation,
    pub fixtures: Fixtures,
    /// Always starts with a `Boot` step (added when the file has none).
    pub steps: Vec<Step>,
}

/// Host-side servers a test starts; their ports are the variables
/// `http_port`, `dns_port` and `echo_port`.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    pub http: Option<HttpFixture>,
    pub dns: Option<std::collections::BTreeMap<String, std::net::Ipv4Addr>>,
    pub echo: bool,
    /// The guest's NIC is the hostile fixture's socket (`-netdev dgram`)
    /// instead of the profile's network; the test boots (no saved state
    /// has this NIC). Variables `hostile_guest_ip`, `hostile_host_ip`.
    pub hostile: Option<HostileFixture>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostileFixture {
    pub guest_ip: std::net::Ipv4Addr,
    pub host_ip: std::net::Ipv4Addr,
}

impl HostileFixture {
    pub const DEFAULT: HostileFixture = HostileFixture {
        guest_ip: std::net::Ipv4Addr::new(10, 0, 9, 15),
        host_ip: std::net::Ipv4Addr::new(10, 0, 9, 2),
    };
}

#[derive(Debug, Clone)]
pub enum HttpFixture {
    Root(PathBuf),
    Files(std::collections::BTreeMap<String, Vec<u8>>),
}

/// How a test gets its guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    /// A fresh guest restored from the profile's saved ready state (fast);
    /// falls back to a boot, with the reason in the report, when it cannot.
    Restore,
    /// A fresh guest booted from scratch (tests of the boot itself).
    Boot,
    /// The guest of the previous `shared` test, when there is one: cheap
    /// checks that may see each other's leftovers.
    Shared,
}

impl Isolation {
    pub fn parse(s: &str) -> Result<Isolation, String> {
        match s {
            "restore" => Ok(Isolation::Restore),
            "boot" => Ok(Isolation::Boot),
            "shared" => Ok(Isolation::Shared),
            _ => Err(format!("unknown isolation `{s}`; expected restore, boot or shared")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    /// Human label shown in reports; defaults to a summary of the step.
    pub label: String,
    /// Overrides the profile's per-step deadline.
    pub timeout: Option<Duration>,
    pub kind: StepKind,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    /// Start QEMU and wait for the prompt (boot markers are recorded on the way).
    Boot,
    /// Shut the guest down cleanly with `command`, wait for QEMU to exit with status 0.
    Poweroff { command: String },
    /// Stop QEMU without shutdown, then boot again on the same disks.
    PowerCut,
    /// `poweroff` then `boot` on the same disks.
    Reboot,
    /// Send a command line to the shell and check what it did.
    Run(RunCheck),
    /// Send raw bytes (escapes such as `\x03` already decoded).
    Send { bytes: Vec<u8> },
    /// Wait for raw console output matching a regex.
    Expect { pattern: Regex },
    /// Let time pass.
    Wait { duration: Duration },
    /// Wait for the profile's shell prompt (printed after what came before).
    Prompt,
    /// Read for `duration`; output matching `unexpected` (by default any
    /// visible character) fails the step at once.
    Quiet { duration: Duration, unexpected: Regex },
    /// Send `command`; the kernel must panic and the panic be detected.
    ExpectPanic { command: String },
    /// Check a METRIC value reported so far.
    Metric(MetricCheck),
    /// Host side, after the guest stopped: `e2fsck -fn` of a disk is clean.
    Fsck { disk: String },
    /// Host side, after the guest stopped: check a file inside a disk image.
    DiskFile(DiskFileCheck),
    /// Host side, after the guest stopped: a file the guest wrote against a report contract.
    Contract(ContractCheck),
    /// Cut power after k write requests for each k, reboot, check.
    CrashSweep(CrashSweep),
    /// Host side: talk to a guest server through the host forward of `port`
    /// (over the hostile fixture's NIC in a test that has one).
    HostExchange(HostExchange),
    /// Host side: bounded counts of malformed and hostile frames through
    /// the hostile fixture's NIC, TCP ones aimed at guest port `port`.
    HostileTraffic { port: u16, counts: crate::fixtures::hostile::Counts },
}

#[derive(Debug, Clone)]
pub struct HostExchange {
    /// Guest TCP port (forwarded from the host).
    pub port: u16,
    pub request: HostRequest,
    pub output: Option<String>,
    pub expect: Vec<Regex>,
}

#[derive(Debug, Clone)]
pub enum HostRequest {
    HttpGet {
        path: String,
        status: u16,
    },
    /// `connections` > 1: that many connections opened together first,
    /// then each sends and must get the reply.
    Tcp {
        send: Vec<u8>,
        connections: u32,
    },
}

#[derive(Debug, Clone)]
pub struct CrashSweep {
    pub disk: String,
    pub setup: Option<String>,
    pub workload: String,
    pub check: String,
    pub points: Vec<u32>,
    pub fsck: bool,
}

#[derive(Debug, Clone)]
pub struct ContractCheck {
    pub disk: String,
    pub path: String,
    pub contract: super::Contract,
}

#[derive(Debug, Clone)]
pub struct DiskFileCheck {
    pub disk: String,
    pub path: String,
    pub output: Option<String>,
    pub expect: Vec<Regex>,
    pub md5: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RunCheck {
    pub command: String,
    pub status: StatusCheck,
    pub expect: Vec<Pattern>,
    pub expect_not: Vec<Pattern>,
    pub output: Option<String>,
    /// Variable name and regex; group 1 (or the whole match) is stored.
    pub capture: Vec<(String, Regex)>,
}

/// A regex of a `run` check: fixed, or with `{{var}}` parts filled in (and
/// regex-escaped) when the step runs.
#[derive(Debug, Clone)]
pub enum Pattern {
    Fixed(Regex),
    Template(String),
}

impl Pattern {
    /// The text as written.
    pub fn as_str(&self) -> &str {
        match self {
            Pattern::Fixed(re) => re.as_str(),
            Pattern::Template(t) => t,
        }
    }
}

/// What exit status a `run` step accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCheck {
    Exactly(i32),
    /// Anything but 0 (the command must fail, however it fails).
    NonZero,
    Any,
}

#[derive(Debug, Clone)]
pub struct MetricCheck {
    pub name: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
}
