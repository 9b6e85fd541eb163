//! Running host programs: captured output, and errors that show the command
//! and the tail of what it printed.

use std::path::Path;

use anyhow::Context;

use super::SOURCE_DATE_EPOCH;

/// Lines of output quoted in an error.
const TAIL_LINES: usize = 30;

/// Runs `expr` with stdout captured and stderr merged into it; fails with
/// `what` and the last lines of output when it exits non-zero.
pub fn run(expr: duct::Expression, what: &str) -> anyhow::Result<String> {
    let out = expr
        .stderr_to_stdout()
        .stdout_capture()
        .unchecked()
        .run()
        .with_context(|| format!("{what}: cannot start the command"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        anyhow::bail!("{what} failed ({}):\n{}", out.status, tail(&text, TAIL_LINES));
    }
    Ok(text)
}

/// Runs `expr` with both streams appended to `log_file`; on failure the error
/// quotes the end of the log.
pub fn run_logged(expr: duct::Expression, what: &str, log_file: &Path) -> anyhow::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_file)
        .with_context(|| format!("cannot open {}", log_file.display()))?;
    let status = expr
        .stdout_file(file.try_clone()?)
        .stderr_file(file)
        .unchecked()
        .run()
        .with_context(|| format!("{what}: cannot start the command"))?
        .status;
    if !status.success() {
        let text = std::fs::read_to_string(log_file).unwrap_or_default();
        anyhow::bail!("{what} failed ({status}):\n{}", tail(&text, TAIL_LINES));
    }
    Ok(())
}

/// The first line `program --version` prints: the toolchain identity in keys.
pub fn version_line(program: &str) -> anyhow::Result<String> {
    let out = run(duct::cmd(program, ["--version"]), &format!("`{program} --version`"))?;
    Ok(out.lines().next().unwrap_or_default().trim().to_string())
}

/// Environment that makes builds independent of when and where they ran.
pub fn reproducible(expr: duct::Expression) -> duct::Expression {
    expr.env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH.to_string())
        .env("KBUILD_BUILD_TIMESTAMP", format!("@{SOURCE_DATE_EPOCH}"))
        .env("KCONFIG_NOTIMESTAMP", "1")
        .env("KBUILD_BUILD_USER", "xtask")
        .env("KBUILD_BUILD_HOST", "xtask")
        .env("E2FSPROGS_FAKE_TIME", SOURCE_DATE_EPOCH.to_string())
        .env("TZ", "UTC")
        .env("LC_ALL", "C")
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A compressed stream format, told by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Xz,
    Zstd,
}

impl Compression {
    pub const ALL: [Compression; 3] = [Compression::Gzip, Compression::Xz, Compression::Zstd];

    pub fn magic(self) -> &'static [u8] {
        match self {
            Compression::Gzip => &[0x1f, 0x8b],
            Compression::Xz => &[0xfd, b'7', b'z', b'X', b'Z', 0x00],
            Compression::Zstd => &[0x28, 0xb5, 0x2f, 0xfd],
        }
    }

    pub fn detect(data: &[u8]) -> Option<Compression> {
        Compression::ALL.into_iter().find(|c| data.starts_with(c.magic()))
    }

    /// The host program that decompresses it.
    pub fn program(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }

    /// Decompresses `data` with the host program.
    pub fn decompress(self, data: &[u8]) -> anyhow::Result<Vec<u8>> {
        let out = duct::cmd(self.program(), ["-dc"])
            .stdin_bytes(data.to_vec())
            .stdout_capture()
            .stderr_capture()
            .unchecked()
            .run()
            .with_context(|| format!("cannot run `{} -dc`", self.program()))?;
        if !out.status.success() {
            anyhow::bail!("`{} -dc` failed: {}", self.program(), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(out.stdout)
    }
}
