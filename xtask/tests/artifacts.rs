//! Real artifact builds for the stock-Linux reference profiles: BusyBox from
//! the pinned source, the Debian kernels and modules, the initramfs and a
//! disk image, then a second run that must find everything cached.
//!
//! They need the Debian archive and minutes when the cache is cold, so they
//! are `e2e_` tests: one at a time, with the QEMU ones. They use the
//! workspace's cache (`XTASK_CACHE_DIR` or `.cache/xtask`). The warm run's
//! time is printed, not asserted: speed belongs to `cargo xtask bench`.

use std::time::Instant;

use xtask::artifacts::{self, initramfs};
use xtask::config::{Disk, Filesystem, Workspace};

fn build_twice(profile_name: &str) {
    let ws = Workspace::load(&xtask::project::root()).expect("workspace");
    let mut profile = ws.profile(profile_name).expect("profile");
    profile.rootfs.test_programs = true;
    let seed = tempfile::tempdir().unwrap();
    std::fs::create_dir(seed.path().join("dir")).unwrap();
    std::fs::write(seed.path().join("dir/hello.txt"), "hello from the host\n").unwrap();
    profile.disks = vec![Disk {
        name: "data".into(),
        size_mib: 16,
        filesystem: Filesystem::Ext2,
        partition: xtask::config::PartitionTable::None,
        seed: Some(seed.path().to_path_buf()),
        label: Some("xtdata".into()),
    }];

    let mut log = |l: &str| eprintln!("[{profile_name}] {l}");
    let start = Instant::now();
    let first = artifacts::build_all(&ws, &profile, &mut log).expect("first build");
    eprintln!("[{profile_name}] first build_all: {:.1} s", start.elapsed().as_secs_f64());
    for b in &first.built {
        eprintln!(
            "[{profile_name}]   {:<16} cached={:<5} {:>6.1} s  {}",
            b.name,
            b.cached,
            b.seconds,
            b.path.display()
        );
    }
    assert!(first.kernel.is_file());
    let initrd = first.initrd.clone().expect("initrd");
    let members = initramfs::read_newc(&std::fs::read(&initrd).unwrap()).unwrap();
    let has = |name: &str| members.iter().any(|m| m.name == name);
    for name in [
        "init",
        "bin/busybox",
        "bin/sh",
        "sbin/insmod",
        "dev/console",
        "etc/profile",
        "etc/xtask/modules",
        "usr/bin/xt-syscalls",
    ] {
        assert!(has(name), "{name} missing from {}", initrd.display());
    }
    let list = &members.iter().find(|m| m.name == "etc/xtask/modules").unwrap().data;
    let list = String::from_utf8_lossy(list);
    assert!(list.lines().last().unwrap().ends_with("/ext4.ko"), "{list}");
    for line in list.lines() {
        assert!(has(line.trim_start_matches('/')), "{line} listed but not in the archive");
    }
    assert_eq!(first.disks.len(), 1);
    assert!(first.disks[0].path.is_file());

    let start = Instant::now();
    let second = artifacts::build_all(&ws, &profile, &mut log).expect("second build");
    let warm = start.elapsed();
    eprintln!("[{profile_name}] warm build_all: {:.2} s", warm.as_secs_f64());
    assert!(second.built.iter().all(|b| b.cached), "warm run rebuilt something: {:?}", second.built);
    assert_eq!(first.key, second.key);
}

/// One test for both arches: they share the cache (and two cores), so they run in turn.
#[test]
fn e2e_reference_profiles_build_then_stay_cached() {
    build_twice("linux-aarch64");
    build_twice("linux-x86_64");
}
