//! A running QEMU as a [`Guest`]: spawned with duct in its own process
//! group, serial console on pipes, killed on drop, on Ctrl-C/SIGTERM and
//! (through `PR_SET_PDEATHSIG`) when xtask itself dies.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::qmp::Qmp;
use crate::console::guest::{Guest, Recv};

/// Process ids of every QEMU this process started and has not reaped.
static LIVE: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// True once Ctrl-C, SIGTERM or SIGHUP arrived: runners stop starting work.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

fn kill_group(pid: i32) {
    // SAFETY: killpg only sends a signal; `pid` is a process group we created
    // (process_group(0) makes the QEMU pid its group id) and have not reaped,
    // so the id cannot have been reused by an unrelated group.
    #[allow(unsafe_code)]
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
    }
}

/// Kills every live QEMU. Safe to call from any thread.
pub fn kill_all() {
    let pids: Vec<i32> = LIVE.lock().map(|l| l.iter().copied().collect()).unwrap_or_default();
    for pid in pids {
        kill_group(pid);
    }
}

/// Installs the Ctrl-C/SIGTERM/SIGHUP handler once: the first signal kills
/// every QEMU and lets the run write its reports; a second exits at once.
pub fn install_signal_handler() -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        for sig in signals.forever() {
            kill_all();
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(128 + sig);
            }
            eprintln!("xtask: interrupted; QEMU stopped, writing reports (press again to quit at once)");
        }
    })?;
    Ok(())
}

pub struct LiveGuest {
    handle: Option<duct::Handle>,
    pid: i32,
    stdin: os_pipe::PipeWriter,
    rx: Receiver<Vec<u8>>,
    started: Instant,
    qmp: Option<PathBuf>,
    exited: bool,
    /// The signal that ended QEMU, once reaped.
    signal: Option<i32>,
}

impl LiveGuest {
    /// Starts QEMU with `args` (program first). QEMU's stderr goes to `stderr_log`.
    pub fn spawn(args: &[String], stderr_log: &Path, qmp: Option<PathBuf>) -> anyhow::Result<LiveGuest> {
        let (out_reader, out_writer) = os_pipe::pipe()?;
        let (in_reader, in_writer) = os_pipe::pipe()?;
        let stderr = std::fs::File::create(stderr_log).with_context(|| format!("creating {}", stderr_log.display()))?;
        let expr = duct::cmd(&args[0], &args[1..])
            .stdin_file(in_reader)
            .stdout_file(out_writer)
            .stderr_file(stderr)
            .unchecked()
            .before_spawn(|cmd| {
                cmd.process_group(0);
                // SAFETY: runs in the forked child before exec; prctl is
                // async-signal-safe and touches no memory of ours. It makes
                // the kernel kill QEMU if xtask dies without cleaning up.
                #[allow(unsafe_code)]
                unsafe {
                    cmd.pre_exec(|| {
                        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                        Ok(())
                    });
                }
                Ok(())
            });
        let handle = expr.start().with_context(|| format!("starting {}", args[0]))?;
        // The expression holds our copies of the child's pipe ends; dropping
        // it lets the reader see end-of-file when QEMU exits.
        drop(expr);
        let pid = *handle.pids().first().context("QEMU has no pid")? as i32;
        if let Ok(mut live) = LIVE.lock() {
            live.insert(pid);
        }
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new().name(format!("serial-{pid}")).spawn(move || {
            let mut reader = out_reader;
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        })?;
        let guest = LiveGuest {
            handle: Some(handle),
            pid,
            stdin: in_writer,
            rx,
            started: Instant::now(),
            qmp,
            exited: false,
            signal: None,
        };
        Ok(guest)
    }

    fn reap(&mut self) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt;
        let status = self.handle.take().and_then(|h| h.wait().ok().map(|o| o.status));
        if let Ok(mut live) = LIVE.lock() {
            live.remove(&self.pid);
        }
        self.signal = status.and_then(|s| s.signal());
        status.and_then(|s| s.code())
    }
}

impl Guest for LiveGuest {
    fn recv(&mut self, timeout: Duration) -> Recv {
        if self.exited {
            return Recv::Timeout;
        }
        match self.rx.recv_timeout(timeout) {
            Ok(bytes) => Recv::Output(bytes),
            Err(RecvTimeoutError::Timeout) => Recv::Timeout,
            // The reader saw end-of-file: QEMU closed the console, i.e. exited.
            Err(RecvTimeoutError::Disconnected) => {
                self.exited = true;
                Recv::Exited(self.reap())
            }
        }
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stdin.write_all(bytes)?;
        self.stdin.flush()
    }

    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn kill(&mut self) {
        if self.handle.is_some() {
            kill_group(self.pid);
            self.reap();
        }
        self.exited = true;
    }

    fn exit_signal(&self) -> Option<i32> {
        self.signal
    }

    fn triage(&mut self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(path) = &self.qmp else { return out };
        match Qmp::connect(path, Duration::from_secs(3)) {
            Ok(mut qmp) => {
                match qmp.execute("query-status", serde_json::json!({})) {
                    Ok(v) => out.push(("QMP query-status".into(), v.to_string())),
                    Err(e) => out.push(("QMP query-status".into(), format!("failed: {e:#}"))),
                }
                match qmp.human("info registers") {
                    Ok(v) => out.push(("info registers".into(), v)),
                    Err(e) => out.push(("info registers".into(), format!("failed: {e:#}"))),
                }
            }
            Err(e) => out.push(("QMP".into(), format!("unavailable: {e:#}"))),
        }
        out
    }
}

impl Drop for LiveGuest {
    fn drop(&mut self) {
        if self.handle.is_some() {
            kill_group(self.pid);
            self.reap();
        }
    }
}
