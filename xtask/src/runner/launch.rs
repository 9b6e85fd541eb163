//! Where a test's boots come from: a live QEMU (booted, or restored from the
//! profile's saved state) or a recorded transcript.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

use super::host_checks::TestDisk;
use crate::artifacts::DiskImage;
use crate::config::{Accel, Profile};
use crate::console::guest::{Guest, Recv, ReplayGuest};
use crate::console::transcript::RecordedBoot;
use crate::fixtures::hostile::HostileNic;
use crate::qemu::cmdline::{command_line, BootFiles};
use crate::qemu::disks;
use crate::qemu::process::LiveGuest;
use crate::qemu::snapshot::{self, Snapshot};

/// How long a restored guest may take to report `running`.
const RESTORE_DEADLINE: Duration = Duration::from_secs(30);

/// A started guest.
pub struct Launched {
    pub guest: Box<dyn Guest>,
    pub command: Vec<String>,
    /// Started from a saved ready state: no boot output, the shell is waiting.
    pub restored: bool,
    /// Why a restore was not used, when one was wanted.
    pub fallback: Option<String>,
}

/// A host-side check over the test's disks (its scratch directory given).
pub type HostCheck<'a> = dyn FnMut(&[TestDisk], &Path) -> Result<String, String> + 'a;

pub trait Launcher {
    /// Starts boot number `boot` (1-based) of the test.
    fn launch(&mut self, boot: u32, serial_log: &Path) -> anyhow::Result<Launched>;
    /// Runs a host-side check of step `step` on the test's disks (a replay
    /// returns what the recorded run found).
    fn host_check(&mut self, step: usize, check: &mut HostCheck) -> Result<String, String>;
    /// Forgets the test's disks: the next launch starts from fresh ones
    /// (restored from the saved guest where there is one).
    fn fresh(&mut self) {}
    /// QMP socket of boot `boot` of a live guest (`None` in a replay).
    fn qmp(&self, _boot: u32) -> Option<PathBuf> {
        None
    }
    /// The QEMU block device id of disk `name` (`disk0`, `disk1`, ...).
    fn block_device(&self, _name: &str) -> Option<String> {
        None
    }
    /// The host port (on 127.0.0.1) forwarded to guest TCP port `guest`.
    fn forward(&self, _guest: u16) -> Option<u16> {
        None
    }
    /// The host end of the guest's NIC, in a test with a `hostile` fixture.
    fn hostile(&self) -> Option<&HostileNic> {
        None
    }
}

pub struct LiveLauncher<'p> {
    pub profile: &'p Profile,
    pub accel: Accel,
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    /// Read-only base images (raw), in profile order.
    pub base_disks: Vec<DiskImage>,
    /// Restore the first boot from this state.
    pub snapshot: Option<Snapshot>,
    /// `(host, guest)` TCP forwards.
    pub forwards: Vec<(u16, u16)>,
    /// The hostile fixture: the guest's only NIC is its socket.
    pub hostile: Option<HostileNic>,
    /// Directory for this test's overlays, QMP sockets and QEMU logs.
    pub scratch: PathBuf,
    /// This test's writable disks, made at the first boot and kept across
    /// its reboots and power cuts.
    disks: Option<Vec<PathBuf>>,
    /// `boot: uefi`: this test's firmware variable store, kept like its disks.
    vars: Option<PathBuf>,
    /// The next launch starts from `snapshot` (set again by `fresh`).
    restore_next: bool,
}

impl<'p> LiveLauncher<'p> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        profile: &'p Profile,
        accel: Accel,
        kernel: PathBuf,
        initrd: Option<PathBuf>,
        base_disks: Vec<DiskImage>,
        snapshot: Option<Snapshot>,
        forwards: Vec<(u16, u16)>,
        scratch: PathBuf,
    ) -> Self {
        LiveLauncher {
            profile,
            accel,
            kernel,
            initrd,
            base_disks,
            snapshot,
            forwards,
            hostile: None,
            scratch,
            disks: None,
            vars: None,
            restore_next: true,
        }
    }

    /// A fresh copy of the variable store over `base` (the firmware's
    /// pristine file, or a saved state's), when the profile boots UEFI.
    fn new_vars(&self, base: Option<&Path>, format: &str, tag: &str) -> anyhow::Result<Option<PathBuf>> {
        match (self.profile.uefi(), base) {
            (Some(_), Some(base)) => {
                Ok(Some(disks::overlay(base, format, &self.scratch.join(format!("efivars-{tag}.qcow2")))?))
            }
            (Some(_), None) => bail!("the saved guest has no UEFI variable store"),
            (None, _) => Ok(None),
        }
    }

    fn files(&self, boot: u32, disks: Vec<PathBuf>, incoming: Option<PathBuf>, vars: Option<PathBuf>) -> BootFiles {
        let qmp = self.scratch.join(format!("qmp-{boot}.sock"));
        let _ = std::fs::remove_file(&qmp);
        BootFiles {
            kernel: self.kernel.clone(),
            initrd: self.initrd.clone(),
            disks,
            incoming,
            qmp: Some(qmp),
            forwards: self.forwards.clone(),
            dgram: self.hostile.as_ref().map(|h| h.ports()),
            vars,
        }
    }

    fn spawn(&self, files: &BootFiles, serial_log: &Path) -> anyhow::Result<(Box<dyn Guest>, Vec<String>)> {
        let args = command_line(self.profile, self.accel, files);
        let name = serial_log.file_name().and_then(|n| n.to_str()).unwrap_or("qemu");
        let stderr = serial_log.with_file_name(name.replace(".serial.log", ".qemu-stderr.log"));
        let guest = LiveGuest::spawn(&args, &stderr, files.qmp.clone())?;
        let tee = TeeGuest::new(Box::new(guest), serial_log, self.profile.console.transcript_limit)?;
        Ok((Box::new(tee), args))
    }

    /// Fresh overlays over `backing` (the base images, or a state's disks).
    fn overlays(&self, backing: &[PathBuf], format: &str, tag: &str) -> anyhow::Result<Vec<PathBuf>> {
        backing
            .iter()
            .zip(&self.base_disks)
            .map(|(b, d)| disks::overlay(b, format, &self.scratch.join(format!("{}-{tag}.qcow2", d.name))))
            .collect()
    }

    fn restore(&mut self, boot: u32, snap: &Snapshot, serial_log: &Path) -> anyhow::Result<Launched> {
        let disks = self.overlays(&snap.disks, "qcow2", &format!("restored{boot}"))?;
        let vars = self.new_vars(snap.vars.as_deref(), "qcow2", &format!("restored{boot}"))?;
        let files = self.files(boot, disks.clone(), Some(snap.state.clone()), vars.clone());
        let (mut guest, command) = self.spawn(&files, serial_log)?;
        if let Err(e) = snapshot::wait_running(files.qmp.as_deref().context("qmp socket")?, RESTORE_DEADLINE) {
            guest.kill();
            return Err(e);
        }
        self.disks = Some(disks);
        self.vars = vars;
        Ok(Launched { guest, command, restored: true, fallback: None })
    }
}

impl Launcher for LiveLauncher<'_> {
    fn launch(&mut self, boot: u32, serial_log: &Path) -> anyhow::Result<Launched> {
        let mut fallback = None;
        if std::mem::take(&mut self.restore_next) {
            if let Some(snap) = self.snapshot.clone() {
                match self.restore(boot, &snap, serial_log) {
                    Ok(launched) => return Ok(launched),
                    Err(e) => fallback = Some(format!("restoring the saved guest failed ({e:#}); booted instead")),
                }
            }
        }
        let disks = match &self.disks {
            Some(d) => d.clone(),
            None => {
                let bases: Vec<PathBuf> = self.base_disks.iter().map(|d| d.path.clone()).collect();
                let d = self.overlays(&bases, "raw", &format!("boot{boot}"))?;
                self.disks = Some(d.clone());
                d
            }
        };
        let vars = match &self.vars {
            Some(v) => Some(v.clone()),
            None => {
                let v = self.new_vars(self.profile.uefi().map(|u| u.vars.as_path()), "raw", &format!("boot{boot}"))?;
                self.vars = v.clone();
                v
            }
        };
        let files = self.files(boot, disks, None, vars);
        let (guest, command) = self.spawn(&files, serial_log)?;
        Ok(Launched { guest, command, restored: false, fallback })
    }

    fn host_check(&mut self, _step: usize, check: &mut HostCheck) -> Result<String, String> {
        let Some(paths) = &self.disks else {
            return Err("the test has not booted, so it has no disks yet".into());
        };
        let disks: Vec<TestDisk> = self
            .base_disks
            .iter()
            .zip(paths)
            .map(|(d, p)| TestDisk { name: d.name.clone(), path: p.clone(), partition: d.partition })
            .collect();
        check(&disks, &self.scratch)
    }

    fn fresh(&mut self) {
        self.disks = None;
        self.vars = None;
        self.restore_next = true;
    }

    fn qmp(&self, boot: u32) -> Option<PathBuf> {
        Some(self.scratch.join(format!("qmp-{boot}.sock")))
    }

    fn block_device(&self, name: &str) -> Option<String> {
        self.base_disks.iter().position(|d| d.name == name).map(|i| format!("disk{i}"))
    }

    fn forward(&self, guest: u16) -> Option<u16> {
        self.forwards.iter().find(|(_, g)| *g == guest).map(|(h, _)| *h)
    }

    fn hostile(&self) -> Option<&HostileNic> {
        self.hostile.as_ref()
    }
}

/// Serves the boots of a recorded transcript in order.
pub struct ReplayLauncher {
    pub boots: VecDeque<RecordedBoot>,
    pub host: BTreeMap<usize, Result<String, String>>,
    pub source: PathBuf,
}

impl Launcher for ReplayLauncher {
    fn launch(&mut self, boot: u32, serial_log: &Path) -> anyhow::Result<Launched> {
        let Some(recorded) = self.boots.pop_front() else {
            bail!("the transcript {} has no boot {boot}", self.source.display());
        };
        let restored = recorded.restored;
        let guest = TeeGuest::new(Box::new(ReplayGuest::new(recorded)), serial_log, usize::MAX)?;
        Ok(Launched {
            guest: Box::new(guest),
            command: vec!["replay".into(), self.source.display().to_string()],
            restored,
            fallback: None,
        })
    }

    fn host_check(&mut self, step: usize, _check: &mut HostCheck) -> Result<String, String> {
        self.host.remove(&step).unwrap_or_else(|| {
            Err(format!("the transcript {} recorded no host check for step {step}", self.source.display()))
        })
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
