//! Report contracts on recorded guest reports: the real boot report of a
//! UEFI boot holds `contracts/boot-report.yaml`, and each fixture that breaks
//! it in one way is rejected with a message naming the key, what was
//! expected and what was found. Malformed contracts are refused with their
//! file and line. No QEMU: the reports were recorded from real runs.

use std::path::PathBuf;

use xtask::config::{load_contract, Contract};
use xtask::runner::contract::{check, describe};

fn fixtures() -> PathBuf {
    xtask::project::root().join("xtask/tests/fixtures")
}

fn boot_contract() -> Contract {
    load_contract(&xtask::project::root().join("contracts/boot-report.yaml")).unwrap()
}

/// The contract's verdict on a recorded report: Ok, or every violation as text.
fn verdict(contract: &Contract, report: &str) -> Result<String, String> {
    let data = std::fs::read(fixtures().join("boot-reports").join(report)).unwrap();
    check(contract, &data).map_err(|v| describe(contract, &v))
}

fn rejected(contract: &Contract, report: &str) -> String {
    match verdict(contract, report) {
        Ok(s) => panic!("{report} was accepted: {s}"),
        Err(e) => e,
    }
}

#[test]
fn a_recorded_uefi_boot_report_holds() {
    let ok = verdict(&boot_contract(), "good-aarch64.txt").unwrap();
    assert!(ok.starts_with("12 keys read"), "{ok}");
    // OVMF under TCG: systemd-boot cannot time itself, the optional keys are empty.
    let ok = verdict(&boot_contract(), "good-x86_64.txt").unwrap();
    assert!(ok.starts_with("12 keys read"), "{ok}");
}

#[test]
fn a_missing_key_is_named() {
    let e = rejected(&boot_contract(), "missing-key.txt");
    assert!(e.contains("key `cpus`: missing (required)"), "{e}");
}

#[test]
fn a_wrong_value_shows_expected_and_actual() {
    let e = rejected(&boot_contract(), "wrong-value.txt");
    assert!(e.contains("key `firmware`: expected `uefi`, actual `bios`"), "{e}");
    let e = rejected(&boot_contract(), "wrong-regex.txt");
    assert!(
        e.contains(r"key `kernel`: expected a match of /^6\.1\.0-\d+-(arm64|amd64)$/, actual `6.1.0-56-arm64-debug`"),
        "{e}"
    );
}

#[test]
fn a_forbidden_key_is_refused_even_when_extra_keys_are_allowed_elsewhere() {
    let e = rejected(&boot_contract(), "forbidden-key.txt");
    assert!(e.contains("key `debug`: forbidden, but present (value `1`)"), "{e}");
    let e = rejected(&boot_contract(), "extra-key.txt");
    assert!(e.contains("key `secure_boot`: not in the contract (extra_keys: forbidden)"), "{e}");
}

#[test]
fn keys_out_of_order_are_refused() {
    let e = rejected(&boot_contract(), "wrong-order.txt");
    assert!(e.contains("key `loader_init_us` (line 4) comes before `loader` (line 7)"), "{e}");
}

#[test]
fn duplicate_and_malformed_lines_are_refused() {
    let e = rejected(&boot_contract(), "duplicate-key.txt");
    assert!(e.contains("key `cpus` appears twice (lines 9 and 13)"), "{e}");
    let e = rejected(&boot_contract(), "malformed-line.txt");
    assert!(e.contains("line 8: `arch aarch64` is not key=value"), "{e}");
    // The key on the malformed line is then missing too: both are said.
    assert!(e.contains("key `arch`: missing (required)"), "{e}");
}

#[test]
fn json_reports_keep_their_member_order() {
    let json = load_contract(&fixtures().join("contracts/boot-report-json.yaml")).unwrap();
    let ok = verdict(&json, "good.json").unwrap();
    assert!(ok.starts_with("4 keys read"), "{ok}");
    let e = rejected(&json, "wrong-order.json");
    assert!(e.contains("key `firmware` (line 1) comes before `format` (line 2)"), "{e}");
    let e = rejected(&json, "wrong-type.json");
    assert!(e.contains(r"key `cpus`: expected a match of /^[1-9]\d*$/, actual `two`"), "{e}");
    let e = rejected(&json, "not-an-object.json");
    assert!(e.contains("not a JSON object"), "{e}");
}

/// The error of loading a malformed contract fixture, as the user sees it.
fn contract_error(name: &str) -> String {
    let path = fixtures().join("contracts").join(name);
    let e = load_contract(&path).expect_err(name).to_string();
    assert!(e.contains(&path.display().to_string()), "names the file: {e}");
    e
}

#[test]
fn malformed_contracts_are_refused_with_file_and_line() {
    let e = contract_error("duplicate-key.yaml");
    assert!(e.contains(":7:"), "line of the second `firmware`: {e}");
    assert!(e.contains("duplicate key `firmware`: already listed as keys[0] (line 3)"), "{e}");
    let e = contract_error("bad-regex.yaml");
    assert!(e.contains(":6:") && e.contains(r"invalid regex `^6\.1\.((`"), "{e}");
    let e = contract_error("bad-presence.yaml");
    assert!(e.contains(":4:") && e.contains("unknown presence `never`"), "{e}");
    let e = contract_error("unknown-field.yaml");
    assert!(e.contains("unknown key `presense`"), "{e}");
}
