//! A private apt state inside the cache (`<cache>/apt/`): package and source
//! downloads without root and without touching the system's apt setup.
//!
//! The mirrors, suites, components and keys come from the system's own
//! sources (`/etc/apt/sources.list` and `/etc/apt/sources.list.d/`), so
//! nothing about the host is hard-coded. The private lists are refreshed
//! only when a download fails, so a warm cache never talks to the network.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::cmd;

/// Architectures the private state indexes: both our guest arches.
const ARCHES: [&str; 2] = ["amd64", "arm64"];

/// One repository from the system's sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub uri: String,
    pub suites: Vec<String>,
    pub components: Vec<String>,
    /// A keyring path or an inline key block, as written.
    pub signed_by: Option<String>,
}

pub struct Apt {
    dir: PathBuf,
    /// `apt-get update` ran in this process.
    updated: bool,
}

impl Apt {
    pub fn new(cache_root: &Path) -> Apt {
        Apt { dir: cache_root.join("apt"), updated: false }
    }

    fn options(&self) -> Vec<String> {
        let d = self.dir.display();
        let mut opts = vec![
            "-o".into(),
            "Dir::Etc::SourceList=/dev/null".into(),
            "-o".into(),
            format!("Dir::Etc::SourceParts={d}/sources.list.d"),
            "-o".into(),
            format!("Dir::State::Lists={d}/lists"),
            "-o".into(),
            format!("Dir::Cache={d}/cache"),
            "-o".into(),
            // As root apt drops to `_apt` for downloads, which cannot write into the cache.
            "APT::Sandbox::User=root".into(),
        ];
        for a in ARCHES {
            opts.extend(["-o".into(), format!("APT::Architectures::={a}")]);
        }
        opts
    }

    /// Creates the directories and (re)writes the sources from the system's.
    fn prepare(&self) -> anyhow::Result<()> {
        for sub in ["sources.list.d", "lists/partial", "cache/archives/partial"] {
            std::fs::create_dir_all(self.dir.join(sub))
                .with_context(|| format!("cannot create {}", self.dir.join(sub).display()))?;
        }
        let repos = system_repos()?;
        if repos.is_empty() {
            anyhow::bail!("no Debian repositories found in /etc/apt/sources.list or /etc/apt/sources.list.d/");
        }
        let path = self.dir.join("sources.list.d/xtask.sources");
        let text = render(&repos);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    pub fn update(&mut self, log: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
        self.prepare()?;
        let _lock = DirLock::acquire(&self.dir.join("lock.d"), log)?;
        log("apt: updating the private package lists");
        let mut args = self.options();
        args.push("update".into());
        cmd::run(duct::cmd("apt-get", &args), "apt-get update (private state)")?;
        self.updated = true;
        Ok(())
    }

    /// Runs `apt-get ARGS` in `cwd`; if it fails with lists that may be stale,
    /// refreshes them once and retries.
    fn get(&mut self, cwd: &Path, args: &[String], log: &mut dyn FnMut(&str)) -> anyhow::Result<()> {
        self.prepare()?;
        let have_lists = std::fs::read_dir(self.dir.join("lists"))?.flatten().any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.ends_with("Packages") || n.contains("Packages.") || n.contains("Sources"))
        });
        if !have_lists && !self.updated {
            self.update(log)?;
        }
        let what = format!("apt-get {}", args.join(" "));
        let mut full = self.options();
        full.extend(args.iter().cloned());
        let lock = self.dir.join("lock.d");
        let attempt = |log: &mut dyn FnMut(&str)| {
            let _lock = DirLock::acquire(&lock, log)?;
            cmd::run(duct::cmd("apt-get", &full).dir(cwd), &what).map(drop)
        };
        match attempt(log) {
            Ok(()) => Ok(()),
            Err(_) if !self.updated => {
                self.update(log)?;
                attempt(log)
            }
            Err(e) => Err(e),
        }
    }

    /// Downloads source package `package=version` into `dest`.
    pub fn source(
        &mut self,
        package: &str,
        version: &str,
        dest: &Path,
        log: &mut dyn FnMut(&str),
    ) -> anyhow::Result<()> {
        let args = ["source".to_string(), "--download-only".into(), format!("{package}={version}")];
        self.get(dest, &args, log)
    }

    /// Downloads binary package `package:arch=version` into `dest`; returns the `.deb`.
    pub fn download(
        &mut self,
        package: &str,
        arch: &str,
        version: &str,
        dest: &Path,
        log: &mut dyn FnMut(&str),
    ) -> anyhow::Result<PathBuf> {
        self.get(dest, &["download".to_string(), format!("{package}:{arch}={version}")], log)?;
        let debs: Vec<PathBuf> = std::fs::read_dir(dest)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "deb"))
            .collect();
        match debs.as_slice() {
            [one] => Ok(one.clone()),
            _ => anyhow::bail!("apt-get download {package}:{arch}={version} left {} .deb files", debs.len()),
        }
    }
}

/// Serialises apt runs of concurrent xtask processes on one cache (apt
/// itself fails at once on a held lock). A `mkdir` lock holding the owner's
/// pid; one left by a dead process is taken over.
struct DirLock {
    path: PathBuf,
}

impl DirLock {
    const WAIT: std::time::Duration = std::time::Duration::from_secs(600);

    fn acquire(path: &Path, log: &mut dyn FnMut(&str)) -> anyhow::Result<DirLock> {
        let start = std::time::Instant::now();
        let mut said = false;
        loop {
            match std::fs::create_dir(path) {
                Ok(()) => {
                    std::fs::write(path.join("pid"), std::process::id().to_string())?;
                    return Ok(DirLock { path: path.to_path_buf() });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let owner = std::fs::read_to_string(path.join("pid")).unwrap_or_default();
                    let alive =
                        owner.trim().parse::<u32>().is_ok_and(|pid| Path::new("/proc").join(pid.to_string()).exists());
                    if !alive && start.elapsed() > std::time::Duration::from_secs(2) {
                        // Dead owner (or one that died between mkdir and writing its pid).
                        let _ = std::fs::remove_dir_all(path);
                        continue;
                    }
                    if !said {
                        log(&format!("apt: waiting for another xtask process ({})", path.display()));
                        said = true;
                    }
                    if start.elapsed() > Self::WAIT {
                        anyhow::bail!("{} has been held for 10 minutes; remove it if no xtask runs", path.display());
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Reads the system's enabled repositories (both source formats).
pub fn system_repos() -> anyhow::Result<Vec<Repo>> {
    let mut repos = Vec::new();
    let mut add = |found: Vec<Repo>| {
        for r in found {
            if !repos.contains(&r) {
                repos.push(r);
            }
        }
    };
    if let Ok(text) = std::fs::read_to_string("/etc/apt/sources.list") {
        add(parse_one_line(&text));
    }
    let mut parts: Vec<PathBuf> =
        std::fs::read_dir("/etc/apt/sources.list.d").into_iter().flatten().flatten().map(|e| e.path()).collect();
    parts.sort();
    for p in parts {
        let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        match p.extension().and_then(|x| x.to_str()) {
            Some("sources") => add(parse_deb822(&text)),
            Some("list") => add(parse_one_line(&text)),
            _ => {}
        }
    }
    Ok(repos)
}

/// Parses `deb [options] URI SUITE COMPONENT...` lines (binary entries only:
/// we derive the `deb-src` entries ourselves).
pub fn parse_one_line(text: &str) -> Vec<Repo> {
    let mut repos = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some(rest) = line.strip_prefix("deb ").or_else(|| line.strip_prefix("deb\t")) else { continue };
        let rest = rest.trim_start();
        let (options, rest) = match rest.strip_prefix('[') {
            Some(r) => match r.split_once(']') {
                Some((opts, after)) => (opts, after),
                None => continue,
            },
            None => ("", rest),
        };
        let mut words = rest.split_whitespace();
        let (Some(uri), Some(suite)) = (words.next(), words.next()) else { continue };
        if !usable(uri) {
            continue;
        }
        let signed_by = options
            .split_whitespace()
            .find_map(|o| o.strip_prefix("signed-by=").or_else(|| o.strip_prefix("Signed-By=")))
            .map(String::from);
        repos.push(Repo {
            uri: uri.into(),
            suites: vec![suite.into()],
            components: words.map(String::from).collect(),
            signed_by,
        });
    }
    repos
}

/// Parses deb822 stanzas (`Types:`, `URIs:`, `Suites:`, `Components:`,
/// `Signed-By:`, `Enabled:`), one repo per URI.
pub fn parse_deb822(text: &str) -> Vec<Repo> {
    let mut repos = Vec::new();
    for stanza in stanzas(text) {
        let get = |key: &str| stanza.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str());
        let words = |key: &str| get(key).unwrap_or("").split_whitespace().map(String::from).collect::<Vec<_>>();
        if get("Enabled").is_some_and(|v| v.trim().eq_ignore_ascii_case("no")) {
            continue;
        }
        if !words("Types").iter().any(|t| t == "deb") {
            continue;
        }
        for uri in words("URIs") {
            if usable(&uri) {
                repos.push(Repo {
                    uri,
                    suites: words("Suites"),
                    components: words("Components"),
                    signed_by: get("Signed-By").map(|s| s.trim_end().to_string()),
                });
            }
        }
    }
    repos
}

/// Splits deb822 text into stanzas of (field, value), continuation lines
/// joined with `\n` and comments dropped.
fn stanzas(text: &str) -> Vec<Vec<(String, String)>> {
    let mut all = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if line.trim().is_empty() {
            if !current.is_empty() {
                all.push(std::mem::take(&mut current));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = current.last_mut() {
                v.push('\n');
                v.push_str(line.trim_end());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            current.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    if !current.is_empty() {
        all.push(current);
    }
    all
}

/// CD-ROM and local-file repositories are no use to a download cache.
fn usable(uri: &str) -> bool {
    !(uri.starts_with("cdrom:") || uri.starts_with("file:"))
}

/// The private sources: every system repo as both `deb` and `deb-src`.
pub fn render(repos: &[Repo]) -> String {
    let mut out = String::new();
    for r in repos {
        out.push_str("Types: deb deb-src\n");
        out.push_str(&format!("URIs: {}\n", r.uri));
        out.push_str(&format!("Suites: {}\n", r.suites.join(" ")));
        out.push_str(&format!("Components: {}\n", r.components.join(" ")));
        out.push_str(&format!("Architectures: {}\n", ARCHES.join(" ")));
        if let Some(s) = &r.signed_by {
            let mut lines = s.lines();
            out.push_str(&format!("Signed-By: {}\n", lines.next().unwrap_or("")));
            for l in lines {
                // deb822 continuation lines must be indented; an empty one is " .".
                let l = l.trim();
                out.push_str(&format!(" {}\n", if l.is_empty() { "." } else { l }));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deb822_sources_keep_suites_components_and_keys() {
        let text = "Types: deb\n# http://snapshot.debian.org/archive/debian/20250520T000000Z\n\
                    URIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\
                    Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n\
                    Types: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\n\
                    Components: main contrib\n\nTypes: deb-src\nURIs: http://example.org/src\nSuites: x\n\n\
                    Types: deb\nEnabled: no\nURIs: http://example.org/off\nSuites: y\n";
        let repos = parse_deb822(text);
        assert_eq!(repos.len(), 2);
        assert_eq!(repos[0].uri, "http://deb.debian.org/debian");
        assert_eq!(repos[0].suites, ["bookworm", "bookworm-updates"]);
        assert_eq!(repos[0].signed_by.as_deref(), Some("/usr/share/keyrings/debian-archive-keyring.gpg"));
        assert_eq!(repos[1].components, ["main", "contrib"]);
        assert_eq!(repos[1].signed_by, None);
        let rendered = render(&repos);
        assert!(rendered
            .contains("Types: deb deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\n"));
        assert!(rendered.contains("Architectures: amd64 arm64\n"));
    }

    #[test]
    fn one_line_sources_with_options_and_comments() {
        let text =
            "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main non-free # tail\n\
                    deb-src http://m.example/debian bookworm main\ndeb cdrom:[Debian]/ bookworm main\n\
                    deb http://m.example/debian-security bookworm-security main\n";
        let repos = parse_one_line(text);
        assert_eq!(repos.len(), 2);
        assert_eq!(repos[0].uri, "http://m.example/debian");
        assert_eq!(repos[0].components, ["main", "non-free"]);
        assert_eq!(repos[0].signed_by.as_deref(), Some("/k.gpg"));
        assert_eq!(repos[1].suites, ["bookworm-security"]);
    }

    #[test]
    fn inline_keys_stay_valid_deb822() {
        let text = "Types: deb\nURIs: http://m/\nSuites: s\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n -----END PGP PUBLIC KEY BLOCK-----\n";
        let repos = parse_deb822(text);
        let out = render(&repos);
        assert!(out.contains("Signed-By: \n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n"), "{out}");
    }
}
