//! Where a test's boots come from: a live QEMU or a recorded transcript.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

use crate::config::{Accel, Profile};
use crate::console::guest::{Guest, Recv, ReplayGuest};
use crate::console::transcript::RecordedBoot;
use crate::qemu::cmdline::{command_line, BootFiles};
use crate::qemu::process::LiveGuest;

pub trait Launcher {
    /// Starts boot number `boot` (1-based) of the test; returns the guest and
    /// the command line it runs.
    fn launch(&mut self, boot: u32, serial_log: &Path) -> anyhow::Result<(Box<dyn Guest>, Vec<String>)>;
}

pub struct LiveLauncher<'p> {
    pub profile: &'p Profile,
    pub accel: Accel,
    pub files: BootFiles,
    /// Directory for QEMU's stderr log and the QMP socket.
    pub scratch: PathBuf,
}

impl Launcher for LiveLauncher<'_> {
    fn launch(&mut self, boot: u32, serial_log: &Path) -> anyhow::Result<(Box<dyn Guest>, Vec<String>)> {
        let qmp = self.scratch.join(format!("qmp-{boot}.sock"));
        let _ = std::fs::remove_file(&qmp);
        let files = BootFiles { qmp: Some(qmp.clone()), ..self.files.clone() };
        let args = command_line(self.profile, self.accel, &files);
        let name = serial_log.file_name().and_then(|n| n.to_str()).unwrap_or("qemu");
        let stderr = serial_log.with_file_name(name.replace(".serial.log", ".qemu-stderr.log"));
        let guest = LiveGuest::spawn(&args, &stderr, Some(qmp))?;
        let tee = TeeGuest::new(Box::new(guest), serial_log, self.profile.console.transcript_limit)?;
        Ok((Box::new(tee), args))
    }
}

/// Serves the boots of a recorded transcript in order.
pub struct ReplayLauncher {
    pub boots: VecDeque<RecordedBoot>,
    pub source: PathBuf,
}

impl Launcher for ReplayLauncher {
    fn launch(&mut self, boot: u32, serial_log: &Path) -> anyhow::Result<(Box<dyn Guest>, Vec<String>)> {
        let Some(recorded) = self.boots.pop_front() else {
            bail!("the transcript {} has no boot {boot}", self.source.display());
        };
        let guest = TeeGuest::new(Box::new(ReplayGuest::new(recorded)), serial_log, usize::MAX)?;
        Ok((Box::new(guest), vec!["replay".into(), self.source.display().to_string()]))
    }
}

/// Copies everything a guest prints, byte for byte, into the raw serial log
/// of its boot (capped like the transcript).
struct TeeGuest {
    inner: Box<dyn Guest>,
    log: File,
    left: usize,
}

impl TeeGuest {
    fn new(inner: Box<dyn Guest>, path: &Path, limit: usize) -> anyhow::Result<TeeGuest> {
        let log = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(TeeGuest { inner, log, left: limit })
    }
}

impl Guest for TeeGuest {
    fn recv(&mut self, timeout: Duration) -> Recv {
        let r = self.inner.recv(timeout);
        if let Recv::Output(bytes) = &r {
            if self.left > 0 {
                let take = bytes.len().min(self.left);
                let _ = self.log.write_all(&bytes[..take]);
                self.left -= take;
                if self.left == 0 {
                    let _ = self.log.write_all(b"\n[xtask: serial log truncated]\n");
                }
            }
        }
        r
    }
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.send(bytes)
    }
    fn now(&self) -> f64 {
        self.inner.now()
    }
    fn kill(&mut self) {
        self.inner.kill()
    }
    fn triage(&mut self) -> Vec<(String, String)> {
        self.inner.triage()
    }
}
