//! Every kind of bad input gets a clear error naming file, line and key.
//! Fixtures are inline: each test writes a tiny workspace into a temp dir.

use std::path::Path;

use xtask::config::{load_scenario, ConfigError, Workspace};

const BASE: &str =
    "arch: aarch64\nqemu:\n  machine: virt\nkernel:\n  prebuilt:\n    path: k.img\nconsole:\n  prompt: '# $'\n";

/// A workspace with `files` (path, contents) and a dummy kernel image.
fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
    std::fs::create_dir_all(dir.path().join("scenarios")).unwrap();
    std::fs::write(dir.path().join("k.img"), b"kernel").unwrap();
    for (path, text) in files {
        std::fs::write(dir.path().join(path), text).unwrap();
    }
    dir
}

/// The error text with the temp dir replaced by `[ROOT]`.
fn message(root: &Path, e: ConfigError) -> String {
    e.to_string().replace(&root.display().to_string(), "[ROOT]")
}

fn profile_error(files: &[(&str, &str)], name: &str) -> String {
    let dir = workspace(files);
    let e = xtask::config::load_profile(&dir.path().join("profiles"), dir.path(), name).expect_err("must fail");
    message(dir.path(), e)
}

fn scenario_error(text: &str) -> String {
    let dir = workspace(&[("scenarios/s.yaml", text)]);
    let e = load_scenario(&dir.path().join("scenarios/s.yaml")).expect_err("must fail");
    message(dir.path(), e)
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let m = profile_error(&[("profiles/p.yaml", &format!("{BASE}colour: red\n"))], "p");
    insta::assert_snapshot!(m, @"[ROOT]/profiles/p.yaml:9:1: unknown key `colour`, expected one of `inherits`, `abstract`, `description`, `arch`, `boot`, `uefi`, `qemu`, `kernel`, `cmdline`, `rootfs`, `disks`, `network`, `console`, `boot_markers`, `timeouts`, `capabilities`");
}

#[test]
fn nested_unknown_key() {
    let m = profile_error(&[("profiles/p.yaml", &BASE.replace("machine: virt", "machine: virt\n  cpus: 2"))], "p");
    assert!(m.starts_with("[ROOT]/profiles/p.yaml:4:3: qemu: unknown key `cpus`"), "{m}");
}

#[test]
fn wrong_type() {
    let m = profile_error(&[("profiles/p.yaml", &BASE.replace("machine: virt", "machine: virt\n  smp: two"))], "p");
    assert!(m.starts_with("[ROOT]/profiles/p.yaml:4:8: qemu.smp: invalid type: string \"two\", expected u32"), "{m}");
}

#[test]
fn empty_file() {
    let m = profile_error(&[("profiles/p.yaml", "# nothing here\n")], "p");
    insta::assert_snapshot!(m, @"[ROOT]/profiles/p.yaml: file is empty");
}

#[test]
fn unknown_profile_lists_known_ones() {
    let m = profile_error(&[("profiles/a.yaml", BASE), ("profiles/b.yaml", BASE)], "c");
    insta::assert_snapshot!(m, @"unknown profile `c` (known: a, b)");
}

#[test]
fn unknown_parent() {
    let m = profile_error(&[("profiles/p.yaml", &format!("inherits: nope\n{BASE}"))], "p");
    insta::assert_snapshot!(m, @"[ROOT]/profiles/p.yaml:1:1 (key `inherits`): profile `p` inherits unknown profile `nope` (known: p)");
}

#[test]
fn inherits_cycle() {
    let m = profile_error(
        &[
            ("profiles/a.yaml", "inherits: b\n"),
            ("profiles/b.yaml", "inherits: c\n"),
            ("profiles/c.yaml", "inherits: a\n"),
        ],
        "a",
    );
    insta::assert_snapshot!(m, @"[ROOT]/profiles/c.yaml:1:1 (key `inherits`): profile `c` inherits itself through a -> b -> c -> a");
}

#[test]
fn self_inheritance() {
    let m = profile_error(&[("profiles/a.yaml", "inherits: a\n")], "a");
    insta::assert_snapshot!(m, @"[ROOT]/profiles/a.yaml:1:1 (key `inherits`): profile `a` inherits itself through a -> a");
}

#[test]
fn invalid_regex_points_at_the_item() {
    let text = BASE.replace("prompt: '# $'", "prompt: '# $'\n  panic:\n    - 'ok'\n    - 'bad(('");
    let m = profile_error(&[("profiles/p.yaml", &text)], "p");
    assert!(m.starts_with("[ROOT]/profiles/p.yaml:11:7 (key `console.panic[1]`): invalid regex `bad((`"), "{m}");
}

#[test]
fn bad_timeouts() {
    for (value, expect) in [
        ("-5s", "must be greater than zero"),
        ("0s", "must be greater than zero"),
        ("30", "has no unit"),
        ("99h", "longer than the 6h limit"),
    ] {
        let text = format!("{BASE}timeouts:\n  boot: {value}\n");
        let m = profile_error(&[("profiles/p.yaml", &text)], "p");
        assert!(m.starts_with("[ROOT]/profiles/p.yaml:10:3 (key `timeouts.boot`):"), "{m}");
        assert!(m.contains(expect), "{value}: {m}");
    }
}

#[test]
fn parent_errors_point_at_the_parent_file() {
    let files = [
        ("profiles/base.yaml", "qemu:\n  accel: warp\n"),
        ("profiles/p.yaml", &format!("inherits: base\n{BASE}") as &str),
    ];
    let m = profile_error(&files, "p");
    insta::assert_snapshot!(m, @"[ROOT]/profiles/base.yaml:2:10: qemu.accel: unknown value `warp`, expected one of `tcg`, `kvm`, `auto`");
}

#[test]
fn missing_required_key_after_inheritance() {
    let m = profile_error(&[("profiles/p.yaml", "arch: aarch64\n")], "p");
    insta::assert_snapshot!(m, @"[ROOT]/profiles/p.yaml (key `qemu.machine`): profile `p` (with everything it inherits) does not set `qemu.machine`");
}

#[test]
fn child_overrides_parent_field_by_field() {
    let dir = workspace(&[
        (
            "profiles/base.yaml",
            &format!("{BASE}qemu:\n  machine: virt\n  smp: 2\n  memory_mib: 256\n")
                .replace("qemu:\n  machine: virt\nkernel", "kernel"),
        ),
        ("profiles/child.yaml", "inherits: base\nqemu:\n  smp: 4\n"),
    ]);
    let p = xtask::config::load_profile(&dir.path().join("profiles"), dir.path(), "child").unwrap();
    assert_eq!(p.qemu.smp, 4);
    assert_eq!(p.qemu.memory_mib, 256, "inherited");
    assert_eq!(p.qemu.machine, "virt", "inherited");
    assert_eq!(p.chain, vec!["child", "base"]);
}

#[test]
fn abstract_profile_cannot_be_booted() {
    let m = profile_error(&[("profiles/base.yaml", "abstract: true\nqemu:\n  smp: 2\n")], "base");
    assert!(m.contains("(key `abstract`): profile `base` is abstract"), "{m}");
}

const TEST_HEAD: &str = "phase: a1\ntitle: t\ntests:\n  - name: one\n    steps:\n";

#[test]
fn step_with_two_kinds() {
    let m = scenario_error(&format!("{TEST_HEAD}      - run: ls\n        send: x\n"));
    insta::assert_snapshot!(m, @"[ROOT]/scenarios/s.yaml:7:9 (key `tests[0].steps[0].send`): a step has exactly one kind; this one has run and send");
}

#[test]
fn step_with_no_kind() {
    let m = scenario_error(&format!("{TEST_HEAD}      - timeout: 5s\n"));
    assert!(m.contains("(key `tests[0].steps[0]`): a step needs one of: run, send"), "{m}");
}

#[test]
fn modifier_on_the_wrong_kind() {
    let m = scenario_error(&format!("{TEST_HEAD}      - send: x\n        status: 1\n"));
    insta::assert_snapshot!(m, @"[ROOT]/scenarios/s.yaml:7:9 (key `tests[0].steps[0].status`): `status` goes with `run`, not with `send`");
}

#[test]
fn prompt_step_takes_no_value() {
    let m = scenario_error(&format!("{TEST_HEAD}      - prompt: 3\n"));
    insta::assert_snapshot!(m, @"[ROOT]/scenarios/s.yaml:6:9 (key `tests[0].steps[0].prompt`): this step takes no value (write it as `- prompt:` or `- prompt: {}`)");
}

#[test]
fn quiet_step_needs_a_duration_and_at_most_one_regex() {
    let m = scenario_error(&format!("{TEST_HEAD}      - quiet: soon\n"));
    assert!(m.contains("(key `tests[0].steps[0].quiet`)"), "{m}");
    let m = scenario_error(&format!("{TEST_HEAD}      - quiet: 2s\n        expect_not: [a, b]\n"));
    insta::assert_snapshot!(m, @"[ROOT]/scenarios/s.yaml:7:9 (key `tests[0].steps[0].expect_not`): a `quiet` step watches for one regex");
    let m = scenario_error(&format!("{TEST_HEAD}      - wait: 2s\n        expect_not: a\n"));
    insta::assert_snapshot!(m, @"[ROOT]/scenarios/s.yaml:7:9 (key `tests[0].steps[0].expect_not`): `expect_not` goes with `run` or `quiet`, not with `wait`");
}

#[test]
fn duplicate_test_names() {
    let m = scenario_error(&format!("{TEST_HEAD}      - run: ls\n  - name: one\n    steps:\n      - run: ls\n"));
    insta::assert_snapshot!(m, @"[ROOT]/scenarios/s.yaml:7:5 (key `tests[1].name`): duplicate test name `one`");
}

#[test]
fn invalid_regex_in_expect_list() {
    let m = scenario_error(&format!("{TEST_HEAD}      - run: ls\n        expect: ['a', '[z-a]']\n"));
    assert!(
        m.starts_with("[ROOT]/scenarios/s.yaml:7:9 (key `tests[0].steps[0].expect`): invalid regex `[z-a]`"),
        "{m}"
    );
}

#[test]
fn status_out_of_range() {
    let m = scenario_error(&format!("{TEST_HEAD}      - run: ls\n        status: 300\n"));
    insta::assert_snapshot!(m, @"[ROOT]/scenarios/s.yaml:7:9 (key `tests[0].steps[0].status`): status `300` must be between 0 and 255");
}

#[test]
fn boot_takes_no_value() {
    let m = scenario_error(&format!("{TEST_HEAD}      - boot: now\n"));
    assert!(m.contains("(key `tests[0].steps[0].boot`): this step takes no value"), "{m}");
}

#[test]
fn several_errors_reported_together() {
    let m = scenario_error(&format!("{TEST_HEAD}      - run: ls\n        timeout: soon\n      - wait: -1s\n"));
    let lines: Vec<&str> = m.lines().collect();
    assert_eq!(lines.len(), 2, "{m}");
    assert!(lines[0].contains("tests[0].steps[0].timeout"));
    assert!(lines[1].contains("tests[0].steps[1].wait"));
}

#[test]
fn empty_tests_and_steps() {
    let m = scenario_error("phase: a1\ntitle: t\ntests: []\n");
    assert!(m.contains("(key `tests`): a scenario needs at least one test"), "{m}");
}

#[test]
fn scenario_defaults() {
    let dir = workspace(&[(
        "scenarios/s.yaml",
        &format!("{TEST_HEAD}      - run: sh -c 'exit 3'\n        status: 3\n      - poweroff:\n"),
    )]);
    let s = load_scenario(&dir.path().join("scenarios/s.yaml")).unwrap();
    let steps = &s.tests[0].steps;
    assert_eq!(steps.len(), 3, "a boot step is added first");
    assert!(matches!(steps[0].kind, xtask::config::StepKind::Boot));
    match &steps[1].kind {
        xtask::config::StepKind::Run(r) => assert_eq!(r.status, xtask::config::StatusCheck::Exactly(3)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(&steps[2].kind, xtask::config::StepKind::Poweroff { command } if command == "poweroff -f"));
}

#[test]
fn workspace_names_unknown_default_profile() {
    let dir = workspace(&[("xtask.yaml", "default_profile: nope\nall_profiles: []\n"), ("profiles/a.yaml", BASE)]);
    let e = Workspace::load(dir.path()).expect_err("must fail");
    insta::assert_snapshot!(message(dir.path(), e), @"[ROOT]/xtask.yaml:1:1 (key `default_profile`): unknown profile `nope` (known: a)");
}

#[test]
fn unknown_scenario_lists_phases() {
    let dir = workspace(&[
        ("xtask.yaml", "default_profile: a\nall_profiles: [a]\n"),
        ("profiles/a.yaml", BASE),
        ("scenarios/phase-a1.yaml", "x: 1\n"),
    ]);
    let ws = Workspace::load(dir.path()).unwrap();
    let e = ws.scenario("phase-zz").expect_err("must fail");
    insta::assert_snapshot!(message(dir.path(), e), @"unknown scenario `phase-zz`: neither a phase in scenarios/ nor a YAML file (known phases: phase-a1)");
}

#[test]
fn the_shipped_configuration_is_valid() {
    let ws = Workspace::load(&xtask::project::root()).unwrap();
    for name in ws.profile_names() {
        ws.check_profile(&name).unwrap_or_else(|e| panic!("{e}"));
    }
    for file in ws.scenario_files() {
        load_scenario(&file).unwrap_or_else(|e| panic!("{e}"));
    }
    for name in &ws.all_profiles {
        ws.profile(name).unwrap();
    }
}

#[test]
fn host_steps_are_checked() {
    let m = scenario_error(&format!("{TEST_HEAD}      - disk_file: {{disk: data, path: relative}}\n"));
    assert!(
        m.contains("(key `tests[0].steps[0].disk_file.path`): the path inside the filesystem starts with /"),
        "{m}"
    );
    assert!(m.contains("say what to check: `output`, `expect` or `md5`"), "{m}");
    let m = scenario_error(&format!("{TEST_HEAD}      - fsck: data\n        status: 0\n"));
    assert!(m.contains("`status` goes with `run`, not with `fsck`"), "{m}");
}

#[test]
fn bad_partition_table() {
    let text = format!("{BASE}disks:\n  - name: d\n    partition: apm\n");
    let m = profile_error(&[("profiles/p.yaml", &text)], "p");
    insta::assert_snapshot!(m, @"[ROOT]/profiles/p.yaml:11:16: disks[0].partition: unknown value `apm`, expected one of `none`, `mbr`, `gpt`");
}

#[test]
fn network_steps_and_fixtures_are_checked() {
    let m = scenario_error(&format!("{TEST_HEAD}      - http_get: {{port: 8080, path: index.html}}\n"));
    assert!(m.contains("(key `tests[0].steps[0].http_get.path`): the path starts with /"), "{m}");
    let m = scenario_error(&format!("{TEST_HEAD}      - tcp_exchange: {{port: 99999, send: x}}\n"));
    assert!(m.contains("tcp_exchange.port: invalid value: integer `99999`"), "{m}");
    let m = scenario_error("phase: c\ntitle: t\ntests:\n  - name: a\n    fixtures:\n      dns: {x.test: not-an-ip}\n      http: {}\n    steps:\n      - run: ls\n");
    assert!(m.contains("(key `tests[0].fixtures.dns.x.test`): `not-an-ip` is not an IPv4 address"), "{m}");
    assert!(m.contains("(key `tests[0].fixtures.http`): give the HTTP fixture either `root` or `files`"), "{m}");
}

#[test]
fn crash_sweep_range_is_checked() {
    let m = scenario_error(&format!(
        "{TEST_HEAD}      - crash_sweep: {{disk: d, workload: w, check: c, from: 5, to: 1}}\n"
    ));
    assert!(m.contains("(key `tests[0].steps[0].crash_sweep`): needs 1 <= from <= to and step >= 1"), "{m}");
    let m = scenario_error(&format!(
        "{TEST_HEAD}      - crash_sweep: {{disk: d, workload: w, check: c, from: 1, to: 1000}}\n"
    ));
    assert!(m.contains("1000 cut points; at most 200"), "{m}");
}

#[test]
fn unknown_isolation() {
    let m = scenario_error(
        &format!("{TEST_HEAD}      - run: ls\n").replace("  - name: one\n", "  - name: one\n    isolation: fork\n"),
    );
    insta::assert_snapshot!(m, @"[ROOT]/scenarios/s.yaml:5:5 (key `tests[0].isolation`): unknown isolation `fork`; expected restore, boot or shared");
}

#[test]
fn a_capability_or_arch_typo_is_an_error_with_its_line() {
    let m = profile_error(&[("profiles/p.yaml", &format!("{BASE}capabilities: [network, smpp]\n"))], "p");
    assert!(m.starts_with("[ROOT]/profiles/p.yaml:9:") && m.contains("unknown value `smpp`, expected one of"), "{m}");
    let m = profile_error(&[("profiles/p.yaml", &BASE.replace("arch: aarch64", "arch: arm64"))], "p");
    assert_eq!(m, "[ROOT]/profiles/p.yaml:1:7: arch: unknown value `arm64`, expected `aarch64` or `x86_64`");
}

#[test]
fn unknown_boot_method() {
    let m = profile_error(&[("profiles/p.yaml", &format!("{BASE}boot: bios\n"))], "p");
    // An enum in the raw struct: serde's message, with the value's line and column.
    assert_eq!(m, "[ROOT]/profiles/p.yaml:9:7: boot: unknown value `bios`, expected `direct` or `uefi`");
}

#[test]
fn uefi_needs_a_pinned_loader() {
    let m = profile_error(&[("profiles/p.yaml", &format!("{BASE}boot: uefi\n"))], "p");
    assert_eq!(
        m,
        "[ROOT]/profiles/p.yaml (key `uefi.loader_version`): profile `p` (with everything it inherits) does not set `uefi.loader_version`"
    );
    let m =
        profile_error(&[("profiles/p.yaml", &format!("{BASE}boot: uefi\nuefi:\n  loader_version: latest!\n"))], "p");
    assert!(
        m.starts_with(
            "[ROOT]/profiles/p.yaml:11:3 (key `uefi.loader_version`): `latest!` is not a Debian package version"
        ),
        "{m}"
    );
}

#[test]
fn uefi_settings_on_a_direct_boot_are_refused() {
    let m = profile_error(&[("profiles/p.yaml", &format!("{BASE}uefi:\n  loader_version: 252.39-1~deb12u2\n"))], "p");
    assert_eq!(
        m,
        "[ROOT]/profiles/p.yaml:9:1 (key `uefi`): profile `p` sets `uefi` but boots `direct`; add `boot: uefi`"
    );
}

#[test]
fn a_disk_cannot_take_the_esp_name() {
    let m = profile_error(&[("profiles/p.yaml", &format!("{BASE}disks:\n  - name: esp\n"))], "p");
    assert_eq!(
        m,
        "[ROOT]/profiles/p.yaml:10:5 (key `disks[0].name`): `esp` is the EFI system partition of `boot: uefi`"
    );
}

#[test]
fn contract_step_names_a_missing_or_malformed_contract() {
    let steps = "phase: p\ntitle: t\ntests:\n  - name: a\n    steps:\n      - contract:\n          disk: esp\n          path: /r.txt\n          file: contracts/c.yaml\n";
    let m = scenario_error(steps);
    assert_eq!(
        m,
        "[ROOT]/scenarios/s.yaml:9:11 (key `tests[0].steps[0].contract.file`): no such contract file: contracts/c.yaml"
    );
    let dir = workspace(&[("scenarios/s.yaml", steps)]);
    std::fs::create_dir_all(dir.path().join("contracts")).unwrap();
    std::fs::write(dir.path().join("contracts/c.yaml"), "format: ini\nkeys:\n  - key: a\n").unwrap();
    let e = load_scenario(&dir.path().join("scenarios/s.yaml")).expect_err("must fail");
    assert_eq!(
        message(dir.path(), e),
        "[ROOT]/contracts/c.yaml:1:9: format: unknown value `ini`, expected `key_value` or `json`"
    );
}

#[test]
fn hostile_fixture_and_traffic_are_checked() {
    let m = scenario_error(&format!("{TEST_HEAD}      - hostile_traffic: {{port: 8081}}\n"));
    assert!(m.contains("(key `tests[0].steps[0].hostile_traffic`): needs the test's `fixtures: {hostile: {}}`"), "{m}");
    let head = "phase: c\ntitle: t\ntests:\n  - name: a\n    fixtures:\n";
    let m = scenario_error(&format!(
        "{head}      hostile: {{guest_ip: 10.0.9.15, host_ip: 10.0.8.2}}\n    isolation: restore\n    steps:\n      - hostile_traffic: {{port: 8081, syn_flood: 200000}}\n      - tcp_exchange: {{port: 8081, send: x, connections: 2}}\n      - http_get: {{port: 8080}}\n"
    ));
    for want in [
        "(key `tests[0].fixtures.hostile`): guest_ip and host_ip are two addresses of one /24",
        "(key `tests[0].isolation`): a test with a `hostile` fixture boots",
        "(key `tests[0].steps[0].hostile_traffic.syn_flood`): 200000 frames is more than 100000",
        "(key `tests[0].steps[1].tcp_exchange.connections`): over the hostile fixture's NIC a TCP exchange has one connection",
        "(key `tests[0].steps[2].http_get`): a test with a `hostile` fixture has no host forwards",
    ] {
        assert!(m.contains(want), "missing {want:?} in:\n{m}");
    }
    let m = scenario_error(&format!(
        "{head}      hostile: {{guest_ip: nope}}\n    steps:\n      - hostile_traffic: {{port: 1, floods: 3}}\n"
    ));
    assert!(m.contains("hostile_traffic: unknown key `floods`"), "{m}");
}
