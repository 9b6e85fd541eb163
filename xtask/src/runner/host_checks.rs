//! Host-side checks: a test's disks after its guest stopped (`e2fsck -fn`,
//! reading a file with `debugfs`), and talking to a guest server through
//! its host forward. The guest wrote a qcow2 overlay; it is
//! flattened to a raw image and partition 1 cut out first.

use std::path::{Path, PathBuf};

use crate::artifacts::partition;
use std::time::Duration;

use crate::config::{HostExchange, HostRequest, PartitionTable};
use crate::fixtures::hostile::HostileNic;

/// A test's writable disk.
#[derive(Debug, Clone)]
pub struct TestDisk {
    pub name: String,
    /// The qcow2 overlay the guest wrote.
    pub path: PathBuf,
    pub partition: PartitionTable,
}

fn run(program: &str, args: &[&str]) -> Result<(i32, String), String> {
    let out = duct::cmd(program, args)
        .stderr_to_stdout()
        .stdout_capture()
        .unchecked()
        .run()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    Ok((out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// The filesystem of `disk` as a plain file in `scratch`.
fn filesystem(disk: &TestDisk, scratch: &Path) -> Result<PathBuf, String> {
    let raw = scratch.join(format!("{}-check.raw", disk.name));
    let (code, said) =
        run("qemu-img", &["convert", "-O", "raw", &disk.path.display().to_string(), &raw.display().to_string()])?;
    if code != 0 {
        return Err(format!("qemu-img convert failed: {}", said.trim()));
    }
    if disk.partition == PartitionTable::None {
        return Ok(raw);
    }
    let fs = scratch.join(format!("{}-check.fs", disk.name));
    partition::extract(&raw, disk.partition, &fs).map_err(|e| format!("{e:#}"))?;
    let _ = std::fs::remove_file(&raw);
    Ok(fs)
}

pub fn find<'d>(disks: &'d [TestDisk], name: &str) -> Result<&'d TestDisk, String> {
    disks.iter().find(|d| d.name == name).ok_or_else(|| {
        let known: Vec<&str> = disks.iter().map(|d| d.name.as_str()).collect();
        format!(
            "the profile has no disk `{name}` (disks: {})",
            if known.is_empty() { "none".into() } else { known.join(", ") }
        )
    })
}

/// `e2fsck -fn`: Ok with its report when the filesystem is clean.
pub fn fsck(disk: &TestDisk, scratch: &Path) -> Result<String, String> {
    let fs = filesystem(disk, scratch)?;
    let (code, said) = run("e2fsck", &["-fn", &fs.display().to_string()])?;
    let _ = std::fs::remove_file(&fs);
    match code {
        0 => Ok(said),
        _ => Err(format!("e2fsck -fn exited with {code}:\n{}", said.trim())),
    }
}

/// The contents of `path` inside the disk's filesystem: FAT (read with
/// fatfs) or ext2/ext4 (with debugfs), told apart by the boot sector.
pub fn read_file(disk: &TestDisk, path: &str, scratch: &Path) -> Result<Vec<u8>, String> {
    let fs = filesystem(disk, scratch)?;
    let mut head = vec![0u8; 512];
    let is_fat = std::fs::File::open(&fs).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok()
        && crate::artifacts::fat::is_fat(&head);
    if is_fat {
        let data = crate::artifacts::fat::read_file(&fs, path).map_err(|e| format!("disk {}: {e:#}", disk.name));
        let _ = std::fs::remove_file(&fs);
        return data;
    }
    let out = scratch.join(format!("{}-file.out", disk.name));
    let _ = std::fs::remove_file(&out);
    let request = format!("dump -p {path} {}", out.display());
    let (_, said) = run("debugfs", &["-R", &request, &fs.display().to_string()])?;
    let _ = std::fs::remove_file(&fs);
    let data = std::fs::read(&out).map_err(|_| format!("debugfs found no file {path}: {}", said.trim()))?;
    let _ = std::fs::remove_file(&out);
    Ok(data)
}

/// Talks to a guest server over the hostile fixture's NIC (one TCP
/// connection from the fixture's address) and checks the reply.
pub fn exchange_over(h: &HostExchange, nic: &HostileNic, timeout: Duration) -> Result<String, String> {
    let HostRequest::Tcp { send, connections: 1 } = &h.request else {
        return Err("over the hostile fixture's NIC only a one-connection tcp_exchange runs".into());
    };
    let reply = nic.tcp_exchange(h.port, send, timeout)?;
    let body = String::from_utf8_lossy(&reply).into_owned();
    check_reply(h, &body)?;
    let (frames, arp, others) = nic.stats();
    Ok(format!(
        "sent {} bytes over the hostile NIC, received {} (NIC so far: {frames} frames from the guest, \
         {arp} ARP requests answered, {others} TCP segments to other peers)\n{body}",
        send.len(),
        reply.len()
    ))
}

fn check_reply(h: &HostExchange, body: &str) -> Result<(), String> {
    if let Some(want) = &h.output {
        if body.strip_suffix('\n').unwrap_or(body) != want.strip_suffix('\n').unwrap_or(want) {
            return Err(format!("reply {body:?} (expected exactly {want:?})"));
        }
    }
    for re in &h.expect {
        if !re.is_match(body) {
            return Err(format!("reply does not match /{}/: {body:?}", re.as_str()));
        }
    }
    Ok(())
}

/// Talks to a guest server through its host forward and checks the reply.
pub fn exchange(h: &HostExchange, host_port: u16, timeout: Duration) -> Result<String, String> {
    let (body, summary) = match &h.request {
        HostRequest::HttpGet { path, status } => {
            let r = crate::fixtures::http_get(host_port, path, timeout).map_err(|e| format!("failed to {e}"))?;
            if r.status != *status {
                return Err(format!("GET {path}: status {} (expected {status})", r.status));
            }
            let body = String::from_utf8_lossy(&r.body).into_owned();
            let summary = format!("GET {path} -> {} ({} bytes)", r.status, r.body.len());
            (body, summary)
        }
        HostRequest::Tcp { send, connections: 1 } => {
            let reply =
                crate::fixtures::tcp_exchange(host_port, send, timeout).map_err(|e| format!("failed to {e}"))?;
            let summary = format!("sent {} bytes, received {}", send.len(), reply.len());
            (String::from_utf8_lossy(&reply).into_owned(), summary)
        }
        HostRequest::Tcp { send, connections } => {
            let replies = crate::fixtures::tcp_exchange_many(host_port, send, *connections as usize, timeout)
                .map_err(|e| format!("failed to {e}"))?;
            for (i, reply) in replies.iter().enumerate() {
                let body = String::from_utf8_lossy(reply);
                let body = body.strip_suffix('\n').unwrap_or(&body);
                if let Some(want) = &h.output {
                    if body != want.strip_suffix('\n').unwrap_or(want) {
                        return Err(format!(
                            "connection {} of {connections}: reply {body:?} (expected exactly {want:?})",
                            i + 1
                        ));
                    }
                }
                for re in &h.expect {
                    if !re.is_match(body) {
                        return Err(format!(
                            "connection {} of {connections}: reply does not match /{}/: {body:?}",
                            i + 1,
                            re.as_str()
                        ));
                    }
                }
            }
            let summary =
                format!("{connections} connections open at once, each sent {} bytes and got its reply", send.len());
            return Ok(summary);
        }
    };
    check_reply(h, &body)?;
    Ok(format!("{summary}\n{body}"))
}
