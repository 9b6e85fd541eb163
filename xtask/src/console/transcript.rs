//! Test transcripts in asciicast v2 format (`asciinema play` shows them).
//!
//! Output is recorded as `o` events, what the orchestrator typed as `i`
//! events, and boots and QEMU exits as `m` (marker) events labelled
//! `boot N` and `exit STATUS` (`exit killed` when there was no status).
//! The same file drives `--replay`: [`read`] splits it back into boots.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// The header line. `xtask` is our own key; players ignore unknown keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    pub version: u32,
    pub width: u32,
    pub height: u32,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub xtask: Option<TranscriptInfo>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TranscriptInfo {
    pub profile: String,
    pub phase: String,
    pub test: String,
}

/// Writes one test's transcript, capping recorded output per boot.
pub struct Writer {
    out: BufWriter<File>,
    limit: usize,
    boot_bytes: usize,
    truncated: bool,
}

impl Writer {
    pub fn create(path: &Path, info: TranscriptInfo, limit: usize) -> anyhow::Result<Writer> {
        let file = File::create(path).with_context(|| format!("creating transcript {}", path.display()))?;
        let mut out = BufWriter::new(file);
        let header = Header {
            version: 2,
            width: 160,
            height: 50,
            title: format!("{} / {} / {}", info.profile, info.phase, info.test),
            xtask: Some(info),
        };
        serde_json::to_writer(&mut out, &header)?;
        out.write_all(b"\n")?;
        Ok(Writer { out, limit, boot_bytes: 0, truncated: false })
    }

    fn event(&mut self, t: f64, code: &str, data: &str) -> std::io::Result<()> {
        let t = (t * 1e6).round() / 1e6;
        serde_json::to_writer(&mut self.out, &(t, code, data))?;
        self.out.write_all(b"\n")
    }

    pub fn output(&mut self, t: f64, bytes: &[u8]) -> std::io::Result<()> {
        if self.truncated {
            return Ok(());
        }
        let room = self.limit.saturating_sub(self.boot_bytes);
        let take = bytes.len().min(room);
        self.boot_bytes += take;
        if take > 0 {
            self.event(t, "o", &String::from_utf8_lossy(&bytes[..take]))?;
        }
        if take < bytes.len() {
            self.truncated = true;
            let note = format!("transcript truncated after {} bytes (console.transcript_limit_kib)", self.limit);
            self.event(t, "m", &note)?;
            self.event(t, "o", &format!("\r\n[xtask: {note}]\r\n"))?;
        }
        Ok(())
    }

    pub fn input(&mut self, t: f64, bytes: &[u8]) -> std::io::Result<()> {
        self.event(t, "i", &String::from_utf8_lossy(bytes))
    }

    /// Starts boot number `boot`: `kind` is `boot`, `restore` (from a saved
    /// state) or `shared` (the previous test's guest, taken over).
    pub fn boot(&mut self, t: f64, boot: u32, kind: &str) -> std::io::Result<()> {
        self.boot_bytes = 0;
        self.truncated = false;
        self.event(t, "m", &format!("{kind} {boot}"))
    }

    pub fn exit(&mut self, t: f64, status: Option<i32>) -> std::io::Result<()> {
        let label = match status {
            Some(s) => format!("exit {s}"),
            None => "exit killed".to_string(),
        };
        self.event(t, "m", &label)?;
        self.out.flush()
    }

    /// Records a host-side check of step `step`, so a replay can show it.
    pub fn host(&mut self, t: f64, step: usize, result: &Result<String, String>) -> std::io::Result<()> {
        let label = match result {
            Ok(text) => format!("host {step} ok: {text}"),
            Err(text) => format!("host {step} fail: {text}"),
        };
        self.event(t, "m", &label)
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// One boot as recorded: output chunks with their times since the boot began.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordedBoot {
    pub output: Vec<(f64, String)>,
    /// `Some(status)` when QEMU's exit was recorded (`Some(None)`: killed).
    pub exit: Option<Option<i32>>,
    /// Time since boot start of the exit, if recorded.
    pub exit_at: Option<f64>,
    /// The boot started from a saved state or took over a running guest
    /// (no boot output, no prompt).
    pub restored: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub header: Header,
    pub boots: Vec<RecordedBoot>,
    /// Host-side check results by step index.
    pub host: std::collections::BTreeMap<usize, Result<String, String>>,
}

/// What a `--replay` source file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An asciicast v2 transcript (ours or any recorder's).
    Asciicast,
    /// Plain console text, such as a serial log from QEMU's `-serial file:`
    /// or another harness: replayed as one boot, a word a millisecond.
    SerialLog,
}

/// Tells an asciicast transcript from a plain serial log by its first line;
/// anything else (JSON that is not an asciicast header, binary data) is not
/// a replay source, with a message saying why.
pub fn source_kind(path: &Path) -> anyhow::Result<SourceKind> {
    let mut head = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(File::open(path).with_context(|| format!("cannot open {}", path.display()))?, 4096),
        &mut head,
    )?;
    let first = String::from_utf8_lossy(head.split(|&b| b == b'\n').next().unwrap_or_default()).into_owned();
    if first.trim_start().starts_with('{') {
        let header: Header = serde_json::from_str(&first).with_context(|| {
            format!(
                "{}:1: not an asciicast v2 header (a JSON line without `version`, `width`, `height`)",
                path.display()
            )
        })?;
        if header.version != 2 {
            bail!("{}:1: asciicast version {} (expected 2)", path.display(), header.version);
        }
        return Ok(SourceKind::Asciicast);
    }
    // Console text: printable characters, whitespace and terminal escapes.
    let odd = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x1b | 0x07 | 0x08)).count();
    if head.is_empty() || odd * 20 > head.len() {
        bail!("{}: neither an asciicast v2 transcript nor a text serial log", path.display());
    }
    Ok(SourceKind::SerialLog)
}

/// Reads a transcript back, split into boots. A plain serial log (see
/// [`source_kind`]) becomes one boot whose words arrive a millisecond apart.
pub fn read(path: &Path) -> anyhow::Result<Recorded> {
    if source_kind(path)? == SourceKind::SerialLog {
        return read_serial_log(path);
    }
    let file = File::open(path).with_context(|| format!("opening transcript {}", path.display()))?;
    let mut lines = BufReader::new(file).lines();
    let first = lines.next().transpose()?.unwrap_or_default();
    let header: Header =
        serde_json::from_str(&first).with_context(|| format!("{}:1: not an asciicast v2 header", path.display()))?;
    if header.version != 2 {
        bail!("{}:1: asciicast version {} (expected 2)", path.display(), header.version);
    }
    let mut boots: Vec<RecordedBoot> = Vec::new();
    let mut host = std::collections::BTreeMap::new();
    let mut boot_start = 0.0;
    for (i, line) in lines.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (t, code, data): (f64, String, String) = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not an asciicast event", path.display(), i + 2))?;
        match code.as_str() {
            "m" if ["boot ", "restore ", "shared "].iter().any(|k| data.starts_with(k)) => {
                boot_start = t;
                boots.push(RecordedBoot { restored: !data.starts_with("boot "), ..RecordedBoot::default() });
            }
            "m" if data.starts_with("host ") => {
                let rest = &data["host ".len()..];
                if let Some((step, outcome)) = rest.split_once(' ') {
                    if let Ok(step) = step.parse::<usize>() {
                        let result = match outcome.split_once(": ") {
                            Some(("ok", text)) => Ok(text.to_string()),
                            Some((_, text)) => Err(text.to_string()),
                            None => Err(outcome.to_string()),
                        };
                        host.insert(step, result);
                    }
                }
            }
            "m" if data.starts_with("exit ") => {
                if let Some(b) = boots.last_mut() {
                    b.exit = Some(data["exit ".len()..].parse().ok());
                    b.exit_at = Some(t - boot_start);
                }
            }
            "o" => {
                if boots.is_empty() {
                    boots.push(RecordedBoot::default());
                }
                if let Some(b) = boots.last_mut() {
                    b.output.push((t - boot_start, data));
                }
            }
            _ => {}
        }
    }
    Ok(Recorded { header, boots, host })
}

fn read_serial_log(path: &Path) -> anyhow::Result<Recorded> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    // Word by word, so a prompt is at the end of the text at some moment
    // even when the shell's echo of the next command follows it on its line.
    let output =
        text.split_inclusive([' ', '\n']).enumerate().map(|(i, word)| (i as f64 * 0.001, word.to_string())).collect();
    let header = Header { version: 2, width: 160, height: 50, title: path.display().to_string(), xtask: None };
    Ok(Recorded {
        header,
        boots: vec![RecordedBoot { output, ..RecordedBoot::default() }],
        host: std::collections::BTreeMap::new(),
    })
}

/// The printable text of a transcript (escape sequences removed), for reports.
pub fn plain_text(path: &Path) -> anyhow::Result<String> {
    let recorded = read(path)?;
    let mut stripper = super::clean::Stripper::default();
    let mut out = String::new();
    for (i, boot) in recorded.boots.iter().enumerate() {
        if recorded.boots.len() > 1 {
            out.push_str(&format!("----- boot {} -----\n", i + 1));
        }
        for (_, chunk) in &boot.output {
            stripper.feed(chunk.as_bytes(), &mut out);
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_boots_and_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.cast");
        let info = TranscriptInfo { profile: "p".into(), phase: "a1".into(), test: "t".into() };
        let mut w = Writer::create(&path, info.clone(), 10).unwrap();
        w.boot(0.0, 1, "boot").unwrap();
        w.output(0.5, b"hello").unwrap();
        w.input(0.6, b"ls\n").unwrap();
        w.output(0.7, b"world!!").unwrap();
        w.exit(1.0, Some(0)).unwrap();
        w.boot(2.0, 2, "restore").unwrap();
        w.output(2.5, b"again").unwrap();
        w.exit(3.0, None).unwrap();
        drop(w);
        let r = read(&path).unwrap();
        assert_eq!(r.header.xtask, Some(info));
        assert_eq!(r.boots.len(), 2);
        assert_eq!(r.boots[0].output[0], (0.5, "hello".to_string()));
        assert_eq!(r.boots[0].output[1], (0.7, "world".to_string()), "capped at 10 bytes");
        assert!(r.boots[0].output[2].1.contains("transcript truncated"));
        assert_eq!(r.boots[0].exit, Some(Some(0)));
        assert_eq!(r.boots[1].output, vec![(0.5, "again".to_string())]);
        assert_eq!(r.boots[1].exit, Some(None));
        assert!(!r.boots[0].restored && r.boots[1].restored);
    }
}
