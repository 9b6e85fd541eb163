//! `cargo xtask clean` on a scratch cache: what it removes, keeps and refuses.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

fn clean(cache: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("clean")
        .args(args)
        .env("XTASK_CACHE_DIR", cache)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// An entry of `bytes` whose last use was `days` ago.
fn entry(cache: &Path, name: &str, bytes: usize, days: u64) {
    let dir = cache.join(name);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("blob"), vec![0u8; bytes]).unwrap();
    let used = cache.join(format!("{name}.used"));
    let f = fs::File::create(used).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(days * 86_400)).unwrap();
}

#[test]
fn removes_what_was_not_used_for_long_then_the_oldest_until_it_fits() {
    let cache = tempfile::tempdir().unwrap();
    entry(cache.path(), "snapshots/old", 4096, 30);
    entry(cache.path(), "snapshots/week", 8192, 7);
    entry(cache.path(), "busybox/today", 1024, 0);

    let (code, out) = clean(cache.path(), &["--dry-run"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("would remove 1 entries"), "{out}");
    assert!(cache.path().join("snapshots/old").exists(), "a dry run removes nothing");

    let (code, out) = clean(cache.path(), &["--max-size", "2K"]);
    assert_eq!(code, 0, "{out}");
    assert!(!cache.path().join("snapshots/old").exists());
    assert!(!cache.path().join("snapshots/week").exists(), "over budget: least recently used goes");
    assert!(!cache.path().join("snapshots/week.used").exists());
    assert!(cache.path().join("busybox/today/blob").exists(), "used this hour: always kept");
}

#[test]
fn a_bad_size_is_refused_with_exit_2() {
    let cache = tempfile::tempdir().unwrap();
    entry(cache.path(), "snapshots/old", 10, 30);
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["clean", "--max-size", "lots"])
        .env("XTASK_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-size `lots` is not a size"));
    assert!(cache.path().join("snapshots/old").exists(), "nothing removed on bad input");
}
