//! BusyBox: the pinned Debian source package, built static against musl.
//!
//! The source is fetched with the private apt state, its `.dsc` checked
//! against the sha256 in `rootfs/busybox.yaml`, and unpacked with
//! `dpkg-source -x` (which checks every other file against the `.dsc` and
//! applies Debian's patches). The build is RECIPES.md section 2: `defconfig`,
//! then `rootfs/busybox.config`, then the profile's `rootfs.busybox_config`,
//! then `make oldconfig` and a check that every requested line survived.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::{Arch, Profile, Workspace};

use super::apt::Apt;
use super::cache::{self, BuildDirs, Cache, Entry, Job, KeyBuilder};
use super::cmd;
use super::toolchain::{self, Toolchain};

/// Bump when the build steps change in a way the other inputs do not show.
const RECIPE: &str = "busybox-2";

/// The pin is read and validated in `config` (`rootfs/busybox.yaml`).
pub use crate::config::BusyboxPin as Pin;

/// Downloads, verifies and unpacks the pinned source; the entry holds `tree/`.
pub fn fetch_source(cache: &Cache, apt: &mut Apt, pin: &Pin, log: &mut dyn FnMut(&str)) -> anyhow::Result<Entry> {
    let key = KeyBuilder::new("busybox-source")
        .str("recipe", RECIPE)
        .str("package", &pin.package)
        .str("version", &pin.version)
        .str("dsc_sha256", &pin.dsc_sha256)
        .finish();
    let job = Job {
        kind: "busybox-source",
        key,
        label: format!("{} source {}", pin.package, pin.version),
        estimate: Some("5 s".into()),
    };
    cache.get_or_build(job, log, |dirs, log| {
        let dl = dirs.work.join("download");
        std::fs::create_dir_all(&dl)?;
        apt.source(&pin.package, &pin.version, &dl, log)?;
        let dsc = dl.join(pin.dsc_name());
        let actual = cache::file_sha256(&dsc)?;
        if actual != pin.dsc_sha256.to_ascii_lowercase() {
            anyhow::bail!(
                "{} has sha256 {actual}, but rootfs/busybox.yaml pins {}: the mirror serves different \
                 sources for {} {}; check them and update the pin if the change is expected",
                pin.dsc_name(),
                pin.dsc_sha256,
                pin.package,
                pin.version
            );
        }
        let tree = dirs.out.join("tree");
        cmd::run(
            duct::cmd("dpkg-source", ["-x".as_ref(), dsc.as_os_str(), tree.as_os_str()]).dir(&dl),
            "dpkg-source -x",
        )?;
        Ok(())
    })
}

/// Estimated wall time of a build, from RECIPES.md (measured on 2 cores).
fn estimate(arch: Arch) -> String {
    let two_core = match arch {
        Arch::X86_64 => 35,
        Arch::Aarch64 => 46,
    };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    format!("{} s", two_core * 2 / cpus.max(1))
}

/// Builds BusyBox for `profile.arch`; the entry holds `busybox`,
/// `busybox.links` (one applet path per line) and the final `config`.
pub fn build(
    cache: &Cache,
    ws: &Workspace,
    profile: &Profile,
    tc: &Toolchain,
    source: &Entry,
    pin: &Pin,
    log: &mut dyn FnMut(&str),
) -> anyhow::Result<Entry> {
    let fragment = ws.root.join("rootfs/busybox.config");
    let key = KeyBuilder::new("busybox")
        .str("recipe", RECIPE)
        .key("source", &source.key)
        .key("toolchain", &tc.key)
        .file("busybox.config", &fragment)?
        .str("profile busybox_config", &profile.rootfs.busybox_config.join("\n"))
        .finish();
    let job = Job {
        kind: "busybox",
        key,
        label: format!("busybox {} {}", pin.upstream_version(), tc.arch.name()),
        estimate: Some(estimate(tc.arch)),
    };
    cache.get_or_build(job, log, |dirs, _| {
        let fragment =
            std::fs::read_to_string(&fragment).with_context(|| format!("cannot read {}", fragment.display()))?;
        let mut requested: Vec<String> = config_lines(&fragment);
        requested.extend(profile.rootfs.busybox_config.iter().map(|l| l.trim().to_string()));
        compile(dirs, &source.dir.join("tree"), tc, &requested)
    })
}

fn compile(dirs: &BuildDirs, tree: &Path, tc: &Toolchain, requested: &[String]) -> anyhow::Result<()> {
    let src = dirs.work.join("src");
    cmd::run(duct::cmd("cp", ["-a".as_ref(), tree.as_os_str(), src.as_os_str()]), "copying the BusyBox source")?;
    let headers = dirs.work.join("headers");
    tc.write_header_dir(&headers)?;
    let build_log = dirs.work.join("build.log");
    let make = |args: &[String]| -> duct::Expression {
        let mut all: Vec<String> = vec![format!("CC={}", tc.cc), "HOSTCC=gcc".into()];
        if !tc.cross_compile.is_empty() {
            all.push(format!("CROSS_COMPILE={}", tc.cross_compile));
        }
        all.extend(args.iter().cloned());
        cmd::reproducible(duct::cmd("make", all).dir(&src))
    };
    cmd::run_logged(make(&["defconfig".into()]), "make defconfig", &build_log)?;

    let mut wanted = requested.to_vec();
    wanted.push(format!("CONFIG_EXTRA_CFLAGS=\"-isystem {}\"", headers.display()));
    let config_path = src.join(".config");
    let config = std::fs::read_to_string(&config_path)?;
    std::fs::write(&config_path, apply_config(&config, &wanted)?)?;
    // Answer every new question with its default.
    cmd::run_logged(make(&["oldconfig".into()]).stdin_bytes(vec![b'\n'; 20_000]), "make oldconfig", &build_log)?;
    let final_config = std::fs::read_to_string(&config_path)?;
    let lost = missing_config(&final_config, &wanted);
    if !lost.is_empty() {
        anyhow::bail!(
            "these BusyBox config lines did not survive `make oldconfig` (a dependency is off?):\n  {}",
            lost.join("\n  ")
        );
    }

    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    cmd::run_logged(make(&[format!("-j{jobs}")]), "make (BusyBox)", &build_log)?;
    cmd::run_logged(make(&["busybox.links".into()]), "make busybox.links", &build_log)?;
    let binary = src.join("busybox");
    toolchain::check_static_elf(&binary, tc.arch)?;
    for (from, to) in [("busybox", "busybox"), ("busybox.links", "busybox.links"), (".config", "config")] {
        std::fs::copy(src.join(from), dirs.out.join(to)).with_context(|| format!("cannot copy {from}"))?;
    }
    Ok(())
}

/// The meaningful lines of a config fragment: `CONFIG_X=...` and `# CONFIG_X is not set`.
pub fn config_lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| symbol(l).is_some()).map(String::from).collect()
}

/// The symbol a config line sets: `CONFIG_X=y` and `# CONFIG_X is not set` both give `CONFIG_X`.
fn symbol(line: &str) -> Option<&str> {
    if let Some(rest) = line.strip_prefix("# ") {
        return rest.strip_suffix(" is not set").filter(|s| s.starts_with("CONFIG_"));
    }
    line.split_once('=').map(|(s, _)| s).filter(|s| s.starts_with("CONFIG_"))
}

/// Replaces every symbol `lines` set (in either form) and appends the new lines.
pub fn apply_config(config: &str, lines: &[String]) -> anyhow::Result<String> {
    let mut symbols = Vec::new();
    for l in lines {
        symbols.push(symbol(l).with_context(|| format!("`{l}` is not a BusyBox config line"))?);
    }
    let mut out: Vec<&str> =
        config.lines().filter(|l| symbol(l.trim()).is_none_or(|s| !symbols.contains(&s))).collect();
    out.extend(lines.iter().map(String::as_str));
    Ok(out.join("\n") + "\n")
}

/// Requested lines the final config does not have. A requested "is not set"
/// is also met by the symbol being absent (its dependencies are off).
pub fn missing_config(config: &str, lines: &[String]) -> Vec<String> {
    let have: Vec<&str> = config.lines().map(str::trim).collect();
    lines
        .iter()
        .filter(|l| {
            if have.contains(&l.as_str()) {
                return false;
            }
            let unset = l.ends_with(" is not set");
            let sym = symbol(l).unwrap_or_default();
            !unset || have.iter().any(|h| symbol(h) == Some(sym))
        })
        .cloned()
        .collect()
}

/// Applet paths from `busybox.links`, e.g. `/bin/ash`, `/usr/sbin/httpd`.
pub fn applets(entry_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let path = entry_dir.join("busybox.links");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text.lines().map(str::trim).filter(|l| l.starts_with('/')).map(PathBuf::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_lines_replace_both_forms() {
        let config = "CONFIG_A=y\n# CONFIG_STATIC is not set\nCONFIG_TC=y\n# comment\nCONFIG_LAST_ID=256\n";
        let lines = config_lines("CONFIG_STATIC=y\n# CONFIG_TC is not set\n\nCONFIG_LAST_ID=60000\n# note\n");
        assert_eq!(lines, ["CONFIG_STATIC=y", "# CONFIG_TC is not set", "CONFIG_LAST_ID=60000"]);
        let out = apply_config(config, &lines).unwrap();
        assert_eq!(out, "CONFIG_A=y\n# comment\nCONFIG_STATIC=y\n# CONFIG_TC is not set\nCONFIG_LAST_ID=60000\n");
        assert!(missing_config(&out, &lines).is_empty());
    }

    #[test]
    fn lost_lines_are_reported() {
        let lines =
            vec!["CONFIG_SCRIPT=y".to_string(), "# CONFIG_X is not set".to_string(), "# CONFIG_Y is not set".into()];
        let final_config = "# CONFIG_SCRIPT is not set\nCONFIG_Y=y\n";
        assert_eq!(missing_config(final_config, &lines), ["CONFIG_SCRIPT=y", "# CONFIG_Y is not set"]);
    }

    #[test]
    fn upstream_version_drops_epoch_and_revision() {
        let pin = Pin { package: "busybox".into(), version: "1:1.35.0-4+deb12u1".into(), dsc_sha256: String::new() };
        assert_eq!(pin.upstream_version(), "1.35.0");
        assert_eq!(pin.dsc_name(), "busybox_1.35.0-4+deb12u1.dsc");
    }
}
