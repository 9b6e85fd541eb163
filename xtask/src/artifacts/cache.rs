//! The content-addressed artifact cache: `<cache>/<kind>/<key>/`.
//!
//! A key is a sha256 over every input of a build (sources, configuration,
//! toolchain identity, recipe version), so an entry never needs invalidating:
//! a changed input is a different key.
//!
//! **Invariant**: an entry directory exists only when it is complete. A build
//! writes into `<cache>/<kind>/.tmp-<key>-<pid>/` and its `out/` is renamed to
//! `<key>` after the builder returns `Ok`; an interrupted build leaves only a
//! `.tmp-*` directory, which the next build of that kind removes once the
//! process that made it is gone.

use std::fmt;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use sha2::{Digest, Sha256};

/// A sha256, hex encoded, that names one cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(String);

impl Key {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 12 hex digits, for log lines.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Accumulates the inputs of one build. Every field is length-prefixed and
/// labelled, so two different input lists can never hash alike.
pub struct KeyBuilder {
    hasher: Sha256,
}

impl KeyBuilder {
    /// Starts a key for artifacts of `kind` (the cache subdirectory).
    pub fn new(kind: &str) -> KeyBuilder {
        let mut k = KeyBuilder { hasher: Sha256::new() };
        k.str("kind", kind);
        k
    }

    fn field(&mut self, tag: &str, label: &str, value: &[u8]) {
        for part in [tag.as_bytes(), label.as_bytes(), value] {
            self.hasher.update((part.len() as u64).to_le_bytes());
            self.hasher.update(part);
        }
    }

    pub fn str(&mut self, label: &str, value: &str) -> &mut KeyBuilder {
        self.field("str", label, value.as_bytes());
        self
    }

    pub fn bytes(&mut self, label: &str, value: &[u8]) -> &mut KeyBuilder {
        self.field("bytes", label, value);
        self
    }

    /// Another artifact's key: the cheap way to depend on a cached artifact.
    pub fn key(&mut self, label: &str, key: &Key) -> &mut KeyBuilder {
        self.field("key", label, key.0.as_bytes());
        self
    }

    /// A file's whole contents.
    pub fn file(&mut self, label: &str, path: &Path) -> anyhow::Result<&mut KeyBuilder> {
        let digest = file_sha256(path)?;
        self.field("file", label, digest.as_bytes());
        Ok(self)
    }

    /// A small directory tree: every relative path, type, permission bits,
    /// file contents and symlink target, in sorted order. Owners and times
    /// are left out: the builders normalise both.
    pub fn tree(&mut self, label: &str, dir: &Path) -> anyhow::Result<&mut KeyBuilder> {
        self.field("tree", label, b"");
        for (rel, meta) in walk(dir)? {
            let path = dir.join(&rel);
            let mode = meta.permissions().mode() & 0o7777;
            let content = if meta.file_type().is_symlink() {
                format!("l {}", fs::read_link(&path)?.display())
            } else if meta.is_dir() {
                "d".to_string()
            } else {
                format!("f {}", file_sha256(&path)?)
            };
            self.field("entry", &rel, format!("{mode:o} {content}").as_bytes());
        }
        Ok(self)
    }

    pub fn finish(&self) -> Key {
        Key(hex(&self.hasher.clone().finalize()))
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn file_sha256(path: &Path) -> anyhow::Result<String> {
    let mut file = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Every entry under `dir` (not `dir` itself), as sorted `/`-separated
/// relative paths with their `lstat` metadata. Symlinks are not followed.
pub fn walk(dir: &Path) -> anyhow::Result<Vec<(String, fs::Metadata)>> {
    fn visit(dir: &Path, prefix: &str, out: &mut Vec<(String, fs::Metadata)>) -> anyhow::Result<()> {
        let mut entries: Vec<fs::DirEntry> =
            fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e
                .file_name()
                .to_str()
                .map(String::from)
                .with_context(|| format!("{}: file names must be UTF-8", e.path().display()))?;
            let rel = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
            let meta = fs::symlink_metadata(e.path())?;
            let is_dir = meta.is_dir();
            out.push((rel.clone(), meta));
            if is_dir {
                visit(&e.path(), &rel, out)?;
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    visit(dir, "", &mut out)?;
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Where a builder writes: `out` becomes the entry, `work` is thrown away.
pub struct BuildDirs {
    pub out: PathBuf,
    pub work: PathBuf,
}

/// A cache entry, found or just built.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Key,
    pub dir: PathBuf,
    pub cached: bool,
    pub seconds: f64,
}

/// One build to look up or run.
pub struct Job<'a> {
    pub kind: &'a str,
    pub key: Key,
    /// Names the artifact in log lines, e.g. `busybox 1.35.0 aarch64`.
    pub label: String,
    /// Rough duration, said before a long build starts.
    pub estimate: Option<String>,
}

pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn new(root: PathBuf) -> Cache {
        Cache { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn entry_dir(&self, kind: &str, key: &Key) -> PathBuf {
        self.root.join(kind).join(key.as_str())
    }

    /// Returns the entry for `job`, running `build` first unless it exists.
    pub fn get_or_build(
        &self,
        job: Job<'_>,
        log: &mut dyn FnMut(&str),
        build: impl FnOnce(&BuildDirs, &mut dyn FnMut(&str)) -> anyhow::Result<()>,
    ) -> anyhow::Result<Entry> {
        let start = Instant::now();
        let dir = self.entry_dir(job.kind, &job.key);
        if dir.is_dir() {
            super::prune::mark_used(&dir);
            log(&format!("{}: cached", job.label));
            return Ok(Entry { key: job.key, dir, cached: true, seconds: start.elapsed().as_secs_f64() });
        }
        let scratch = Scratch::new(&self.root.join(job.kind), job.key.as_str())?;
        let dirs = BuildDirs { out: scratch.path.join("out"), work: scratch.path.join("work") };
        fs::create_dir_all(&dirs.out)?;
        fs::create_dir_all(&dirs.work)?;
        match &job.estimate {
            Some(e) => log(&format!("{}: building (~{e})", job.label)),
            None => log(&format!("{}: building", job.label)),
        }
        build(&dirs, log).with_context(|| format!("{}: build failed", job.label))?;
        if let Err(e) = fs::rename(&dirs.out, &dir) {
            // Another process may have finished the same key first: its entry is as good.
            if !dir.is_dir() {
                return Err(e).with_context(|| format!("cannot move {} into place", dir.display()));
            }
        }
        drop(scratch);
        super::prune::mark_used(&dir);
        let seconds = start.elapsed().as_secs_f64();
        log(&format!("{}: built in {seconds:.1} s", job.label));
        Ok(Entry { key: job.key, dir, cached: false, seconds })
    }

    /// A work directory under `<cache>/tmp/`, removed when dropped.
    pub fn scratch(&self, label: &str) -> anyhow::Result<Scratch> {
        Scratch::new(&self.root.join("tmp"), label)
    }
}

/// A `.tmp-<label>-<pid>` directory, removed on drop. Ones left behind by
/// dead processes are removed by the next `Scratch::new` in the same parent.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(parent: &Path, label: &str) -> anyhow::Result<Scratch> {
        fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        remove_stale(parent);
        let path = parent.join(format!(".tmp-{label}-{}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
        fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = make_writable(&self.path);
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Removes `.tmp-*-<pid>` directories whose process no longer runs.
fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(pid) = name.strip_prefix(".tmp-").and_then(|n| n.rsplit('-').next()) else { continue };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = make_writable(&e.path());
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Gives the owner write permission on every directory under `dir`, so a
/// tree extracted with read-only directories can be removed.
pub(super) fn make_writable(dir: &Path) -> std::io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if !meta.is_dir() {
        return Ok(());
    }
    if meta.mode() & 0o200 == 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(meta.mode() | 0o700))?;
    }
    for e in fs::read_dir(dir)?.flatten() {
        if e.file_type()?.is_dir() {
            make_writable(&e.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_depends_on_every_input() {
        let base = KeyBuilder::new("k").str("a", "1").str("b", "2").finish();
        assert_eq!(base, KeyBuilder::new("k").str("a", "1").str("b", "2").finish());
        assert_ne!(base, KeyBuilder::new("k").str("a", "1").str("b", "3").finish());
        assert_ne!(base, KeyBuilder::new("other").str("a", "1").str("b", "2").finish());
        // Field boundaries matter: "1" + "2" is not "12" + "".
        assert_ne!(
            KeyBuilder::new("k").str("a", "12").str("b", "").finish(),
            KeyBuilder::new("k").str("a", "1").str("b", "2").finish()
        );
    }

    #[test]
    fn tree_key_changes_with_content_mode_and_name() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("etc")).unwrap();
        fs::write(dir.path().join("etc/motd"), "hi\n").unwrap();
        let key = || KeyBuilder::new("t").tree("t", dir.path()).unwrap().finish();
        let k0 = key();
        assert_eq!(k0, key());
        fs::write(dir.path().join("etc/motd"), "hi!\n").unwrap();
        let k1 = key();
        assert_ne!(k0, k1);
        fs::set_permissions(dir.path().join("etc/motd"), fs::Permissions::from_mode(0o755)).unwrap();
        let k2 = key();
        assert_ne!(k1, k2);
        fs::rename(dir.path().join("etc/motd"), dir.path().join("etc/issue")).unwrap();
        assert_ne!(k2, key());
    }

    #[test]
    fn failed_build_leaves_no_entry_and_success_is_cached() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf());
        let key = KeyBuilder::new("x").str("v", "1").finish();
        let job = || Job { kind: "x", key: key.clone(), label: "x".into(), estimate: None };
        let mut lines = Vec::new();
        let mut log = |l: &str| lines.push(l.to_string());
        let err = cache.get_or_build(job(), &mut log, |d, _| {
            fs::write(d.out.join("half"), "written")?;
            anyhow::bail!("interrupted")
        });
        assert!(err.is_err());
        assert!(!cache.entry_dir("x", &key).exists());
        let built = cache.get_or_build(job(), &mut log, |d, _| Ok(fs::write(d.out.join("f"), "done")?)).unwrap();
        assert!(!built.cached);
        assert_eq!(fs::read_to_string(built.dir.join("f")).unwrap(), "done");
        let again = cache.get_or_build(job(), &mut log, |_, _| panic!("must not rebuild")).unwrap();
        assert!(again.cached);
        // Nothing but the entry and its last-use mark is left in the kind directory.
        let mut names: Vec<_> = fs::read_dir(dir.path().join("x")).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, vec![std::ffi::OsString::from(key.as_str()), format!("{}.used", key.as_str()).into()]);
    }
}
