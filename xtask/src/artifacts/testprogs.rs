//! Guest test programs: every `rootfs/tests/*.c` built static with the same
//! musl toolchain as BusyBox, installed as `/usr/bin/xt-<name>`.
//!
//! The entry is laid out as a rootfs fragment (`usr/bin/xt-*`) that the
//! initramfs copies as is.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Workspace;

use super::cache::{Cache, Entry, Job, KeyBuilder};
use super::cmd;
use super::toolchain::{self, Toolchain};

const RECIPE: &str = "testprogs-1";
const CFLAGS: &[&str] = &["-static", "-O2", "-s", "-Wall", "-Wextra", "-Werror"];

/// The `*.c` files of `dir`, sorted.
pub fn sources(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    files.sort();
    Ok(files)
}

pub fn build(cache: &Cache, ws: &Workspace, tc: &Toolchain, log: &mut dyn FnMut(&str)) -> anyhow::Result<Entry> {
    let dir = ws.root.join("rootfs/tests");
    let programs = sources(&dir)?;
    let key = KeyBuilder::new("testprogs")
        .str("recipe", RECIPE)
        .key("toolchain", &tc.key)
        .str("cflags", &CFLAGS.join(" "))
        .tree("rootfs/tests", &dir)?
        .finish();
    let job = Job {
        kind: "testprogs",
        key,
        label: format!("test programs {} ({})", tc.arch.name(), programs.len()),
        estimate: None,
    };
    cache.get_or_build(job, log, |dirs, _| {
        let headers = dirs.work.join("headers");
        tc.write_header_dir(&headers)?;
        let bin = dirs.out.join("usr/bin");
        std::fs::create_dir_all(&bin)?;
        for src in &programs {
            let stem = src.file_stem().and_then(|s| s.to_str()).context("test program names must be UTF-8")?;
            let out = bin.join(format!("xt-{stem}"));
            let mut args: Vec<String> = CFLAGS.iter().map(|s| s.to_string()).collect();
            args.extend(["-isystem".into(), headers.display().to_string(), "-I".into(), dir.display().to_string()]);
            args.extend(["-o".into(), out.display().to_string(), src.display().to_string()]);
            cmd::run(cmd::reproducible(duct::cmd(tc.cc, &args)), &format!("{} {}", tc.cc, src.display()))?;
            toolchain::check_static_elf(&out, tc.arch)?;
        }
        Ok(())
    })
}
