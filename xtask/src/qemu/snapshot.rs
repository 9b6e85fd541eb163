//! Boot once, restore many: a profile's guest is booted to its ready prompt
//! (setup commands done), saved with QMP `migrate` to a file in the cache,
//! and every test starts a fresh guest from that file with `-incoming`
//! (RECIPES.md section 8: ~0.25 s instead of a ~2 s boot).
//!
//! The state is cached under a key over everything that shapes the guest:
//! the artifact set, the QEMU command line (per-test paths replaced by
//! placeholders), QEMU's version and the console setup. Its disks are qcow2
//! overlays frozen at save time; each restored guest writes its own overlay
//! on top of them.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::cmdline::{command_line, BootFiles};
use super::disks;
use super::process::LiveGuest;
use super::qmp::Qmp;
use crate::artifacts::Artifacts;
use crate::config::{Accel, Profile};
use crate::console::session::{Console, Settings};
use crate::console::transcript::{TranscriptInfo, Writer};

/// Bumped when the way states are made changes.
const RECIPE: &str = "snapshot-v1";
const MIGRATE_DEADLINE: Duration = Duration::from_secs(60);
/// One buffer of three quarters of the free memory, filled from /dev/zero.
const ZERO_FREE_MEMORY: &str = r"dd if=/dev/zero of=/dev/null count=1 bs=$(( $(sed -n 's/^MemFree: *\([0-9]*\) kB$/\1/p' /proc/meminfo) * 3 / 4 ))k 2>/dev/null";

/// A saved ready guest.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub state: PathBuf,
    /// Frozen disk overlays, in profile order: the backing files of each
    /// restored guest's own overlays.
    pub disks: Vec<PathBuf>,
    /// `boot: uefi`: the variable store frozen at save time (qcow2). The
    /// pflash contents also travel in the state; each restored guest gets
    /// its own overlay of this so QEMU writes them back somewhere private.
    pub vars: Option<PathBuf>,
}

/// Whether a snapshot came from the cache, and how long making it took.
pub struct Prepared {
    pub snapshot: Snapshot,
    pub cached: bool,
    pub seconds: f64,
}

fn placeholder_files(artifacts: &Artifacts) -> BootFiles {
    BootFiles {
        kernel: artifacts.kernel.clone(),
        initrd: artifacts.initrd.clone(),
        disks: artifacts.disks.iter().map(|d| PathBuf::from(format!("<disk:{}>", d.name))).collect(),
        incoming: None,
        qmp: None,
        forwards: Vec::new(),
        dgram: None,
        // The command line then names `<vars>`: the key never holds a per-run path.
        vars: None,
    }
}

fn key(profile: &Profile, artifacts: &Artifacts, accel: Accel) -> String {
    let version = duct::cmd!(&profile.qemu.binary, "--version").read().unwrap_or_default();
    let mut h = Sha256::new();
    for part in [
        RECIPE.to_string(),
        artifacts.key.clone(),
        version,
        command_line(profile, accel, &placeholder_files(artifacts)).join("\0"),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for s in &profile.console.setup {
        h.update(s.as_bytes());
        h.update([0]);
    }
    h.update(profile.console.prompt.as_str().as_bytes());
    format!("{:x}", h.finalize())
}

/// Returns the profile's saved state, making it when the cache has none.
pub fn prepare(
    profile: &Profile,
    artifacts: &Artifacts,
    accel: Accel,
    cache: &Path,
    scratch: &Path,
) -> anyhow::Result<Prepared> {
    let started = Instant::now();
    let key = key(profile, artifacts, accel);
    let dir = cache.join("snapshots").join(&key);
    let snapshot = |dir: &Path| Snapshot {
        state: dir.join("state.bin"),
        disks: artifacts.disks.iter().map(|d| dir.join(format!("{}.qcow2", d.name))).collect(),
        vars: profile.uefi().map(|_| dir.join("efivars.qcow2")),
    };
    if dir.join("state.bin").is_file() {
        crate::artifacts::prune::mark_used(&dir);
        return Ok(Prepared { snapshot: snapshot(&dir), cached: true, seconds: started.elapsed().as_secs_f64() });
    }
    let tmp = cache.join("snapshots").join(format!(".tmp-{key}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let result = save(profile, artifacts, accel, &tmp, scratch);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    // Complete or absent: only a finished state is renamed into place.
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => {}
        // Another run made the same state meanwhile: use theirs.
        Err(_) if dir.join("state.bin").is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        Err(e) => return Err(e).with_context(|| format!("renaming {} into place", tmp.display())),
    }
    crate::artifacts::prune::mark_used(&dir);
    Ok(Prepared { snapshot: snapshot(&dir), cached: false, seconds: started.elapsed().as_secs_f64() })
}

/// Boots the profile, runs its setup, saves the state into `dir`.
fn save(profile: &Profile, artifacts: &Artifacts, accel: Accel, dir: &Path, scratch: &Path) -> anyhow::Result<()> {
    let mut overlays = Vec::new();
    for d in &artifacts.disks {
        overlays.push(disks::overlay(&d.path, "raw", &dir.join(format!("{}.qcow2", d.name)))?);
    }
    let qmp_path = scratch.join("snapshot-qmp.sock");
    let _ = std::fs::remove_file(&qmp_path);
    let vars = match profile.uefi() {
        Some(u) => Some(disks::overlay(&u.vars, "raw", &dir.join("efivars.qcow2"))?),
        None => None,
    };
    let files = BootFiles { disks: overlays, qmp: Some(qmp_path.clone()), vars, ..placeholder_files(artifacts) };
    let args = command_line(profile, accel, &files);
    let guest = LiveGuest::spawn(&args, &scratch.join("snapshot.qemu-stderr.log"), Some(qmp_path.clone()))?;
    let info = TranscriptInfo { profile: profile.name.clone(), phase: "snapshot".into(), test: "snapshot".into() };
    let writer =
        Rc::new(RefCell::new(Writer::create(&scratch.join("snapshot.cast"), info, profile.console.transcript_limit)?));
    let settings = Settings {
        prompt: profile.console.prompt.clone(),
        panic: profile.console.panic.clone(),
        noise: profile.console.noise.clone(),
        warning: Vec::new(),
        markers: Vec::new(),
        buffer_limit: profile.console.transcript_limit,
    };
    let mut console = Console::new(Box::new(guest), settings, writer, 0.0);
    console.wait_prompt(profile.timeouts.boot).map_err(|e| anyhow::anyhow!("booting the guest to save: {e}"))?;
    for (i, setup) in profile.console.setup.iter().enumerate() {
        let out = console
            .run(&format!("s-{i}"), setup, profile.timeouts.step)
            .map_err(|e| anyhow::anyhow!("setup `{setup}`: {e}"))?;
        if out.status != 0 {
            bail!("setup `{setup}` exited with {}", out.status);
        }
    }
    if profile.uefi().is_some() {
        // The firmware's copies of the kernel and initramfs linger in memory
        // the kernel freed; the state would carry them (152 MB instead of
        // 71 MB, and every restore reads it). Borrowing most of the free
        // memory once makes the kernel hand it out zeroed, and zero pages
        // cost nothing to save or restore. Only here, once per saved state:
        // `init_on_free=1` would zero on every cold boot (~4 s under TCG).
        let _ = console.run("s-zero", ZERO_FREE_MEMORY, profile.timeouts.step);
    }
    let state = dir.join("state.bin");
    let uri = format!("exec:cat > '{}'", state.display().to_string().replace('\'', r"'\''"));
    let mut qmp = Qmp::connect(&qmp_path, Duration::from_secs(5))?;
    qmp.execute("migrate", json!({ "uri": uri }))?;
    let deadline = Instant::now() + MIGRATE_DEADLINE;
    loop {
        let status = qmp.execute("query-migrate", json!({}))?;
        match status["status"].as_str().unwrap_or("") {
            "completed" => break,
            "failed" | "cancelled" => bail!("QEMU could not save the guest: {status}"),
            _ if Instant::now() > deadline => {
                bail!("saving the guest took longer than {}s", MIGRATE_DEADLINE.as_secs())
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    console.kill();
    Ok(())
}

/// Waits until a guest started with `-incoming` runs; bytes sent before
/// that are lost, so nothing is typed until then.
pub fn wait_running(qmp_path: &Path, deadline: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut qmp = loop {
        match Qmp::connect(qmp_path, Duration::from_secs(5)) {
            Ok(q) => break q,
            Err(_) if started.elapsed() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e),
        }
    };
    loop {
        let status = qmp.execute("query-status", json!({}))?;
        match status["status"].as_str().unwrap_or("") {
            "running" => return Ok(()),
            "inmigrate" | "prelaunch" | "restore-vm" => {}
            other => bail!("restored guest is `{other}`, not running"),
        }
        if started.elapsed() > deadline {
            bail!("restored guest not running after {}s", deadline.as_secs());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
