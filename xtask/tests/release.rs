//! Release bundles on the host, without building or booting anything: a
//! small bundle made of stand-in images for the real profiles and the real
//! phase-a0 scenario, signed with a fresh key, then
//!
//! - tamper tests: each change must fail `verify` with a precise message;
//! - the validator fixtures (`fixtures/release/*`): returned results from a
//!   real `verify --boot` run, good and spoiled, held to the contract; each
//!   directory's `expected.txt` lists the mismatches, empty for a good set;
//! - the SBOM against the CycloneDX 1.5 schema and the signature with the
//!   stock `minisign` CLI, when those tools are installed (else said, skipped).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use xtask::artifacts::{Artifacts, DiskImage};
use xtask::config::Workspace;
use xtask::release::info::{ReleaseInfo, Source};
use xtask::release::verify::{check_bundle, Check, Verdict};
use xtask::release::{bundle, contract, gather, results, sign};

struct Fixture {
    _tmp: tempfile::TempDir,
    bundle: PathBuf,
    secret: PathBuf,
    public: PathBuf,
}

const PASSWORD: &str = "correct horse";

/// Writes a signed bundle for virt-aarch64 and linux-aarch64 whose images
/// are stand-ins made from `flavour`.
fn make_bundle(flavour: &str, signed: bool) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = xtask::project::root();
    let ws = Workspace::load(&root).unwrap();
    let scenarios = vec![ws.scenario("phase-a0").unwrap()];
    let mut profiles = Vec::new();
    for name in ["virt-aarch64", "linux-aarch64"] {
        let p = ws.profile(name).unwrap();
        let dir = tmp.path().join("cache").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let file = |n: &str| {
            let path = dir.join(n);
            std::fs::write(&path, format!("{flavour} {name} {n}\n").repeat(64)).unwrap();
            path
        };
        let a = Artifacts {
            kernel: file("Image"),
            initrd: Some(file("initramfs.cpio")),
            disks: p
                .disks
                .iter()
                .map(|d| DiskImage {
                    name: d.name.clone(),
                    path: file(&format!("{}.img", d.name)),
                    filesystem: Some(d.filesystem),
                    partition: d.partition,
                })
                .collect(),
            key: "k".into(),
            built: Vec::new(),
        };
        profiles.push((p, a));
    }
    let info = ReleaseInfo {
        source: Source {
            commit: "c".repeat(40),
            dirty: false,
            source_date_epoch: 1_733_000_000,
            image_epoch: 1_700_000_000,
        },
        locks: vec![gather::lock_file(&root, "Cargo.lock").unwrap()],
        debian: Vec::new(),
        tools: Vec::new(),
        profiles: profiles.iter().map(|(p, _)| gather::profile_record(&root, p).unwrap()).collect(),
        phases: vec!["phase-a0".into()],
        images: Vec::new(),
    };
    let out = tmp.path().join("bundle");
    bundle::write_bundle(&out, bundle::Inputs { root: &root, profiles: &profiles, scenarios: &scenarios, info })
        .unwrap();
    let key = sign::generate(Some(PASSWORD.into())).unwrap();
    let (secret, public) = (tmp.path().join("k"), tmp.path().join("k.pub"));
    std::fs::write(&secret, key.secret).unwrap();
    std::fs::write(&public, key.public).unwrap();
    if signed {
        let signer = sign::Signer::load(&secret, Some(PASSWORD.into())).unwrap();
        bundle::sign(&out, &signer, &"c".repeat(40)).unwrap();
    }
    Fixture { _tmp: tmp, bundle: out, secret, public }
}

fn verify(f: &Fixture) -> Vec<Check> {
    let pk = sign::load_public_key(&f.public).unwrap();
    check_bundle(&f.bundle, Some(&pk)).checks
}

/// The problems of the failed checks, as `name: problem`.
fn failures(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .filter_map(|c| match &c.verdict {
            Verdict::Fail(p) => Some(p.iter().map(|x| format!("{}: {x}", c.name)).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn flip_byte(path: &Path, at: usize) {
    let mut data = std::fs::read(path).unwrap();
    let i = at.min(data.len() - 1);
    // Keep text files text and hex digits hex, so the change is a change of value.
    data[i] = match data[i] {
        b'0' => b'1',
        b'a'..=b'y' | b'A'..=b'Y' | b'1'..=b'8' => data[i] + 1,
        _ => data[i] ^ 0x01,
    };
    std::fs::write(path, data).unwrap();
}

fn assert_fails_with(f: &Fixture, wanted: &[&str]) {
    let got = failures(&verify(f));
    for w in wanted {
        assert!(got.iter().any(|g| g.contains(w)), "no failure containing {w:?}; got:\n{}", got.join("\n"));
    }
}

#[test]
fn an_untouched_signed_bundle_passes_every_check() {
    let f = make_bundle("a", true);
    let checks = verify(&f);
    assert!(failures(&checks).is_empty(), "{:#?}", checks);
    let names: Vec<&str> = checks.iter().map(|c| c.name).collect();
    assert_eq!(names, ["files", "signature", "sbom", "provenance", "contract"]);
    assert!(checks.iter().all(|c| matches!(c.verdict, Verdict::Pass(_))), "{checks:#?}");
    // The secret key never lands in the bundle.
    let secret = std::fs::read_to_string(&f.secret).unwrap();
    let secret_line = secret.lines().nth(1).unwrap();
    for rel in bundle::list_files(&f.bundle).unwrap() {
        let text = String::from_utf8_lossy(&std::fs::read(f.bundle.join(&rel)).unwrap()).into_owned();
        assert!(!text.contains(secret_line), "{rel} holds the secret key");
    }
}

#[test]
fn tamper_an_image() {
    let f = make_bundle("a", true);
    flip_byte(&f.bundle.join("images/linux-aarch64/data.img"), 100);
    assert_fails_with(&f, &["files: images/linux-aarch64/data.img: sha256 is "]);
}

#[test]
fn tamper_sha256sums() {
    let f = make_bundle("a", true);
    flip_byte(&f.bundle.join("SHA256SUMS"), 3);
    assert_fails_with(
        &f,
        &["files: BUNDLE-ID: sha256 is ", "signature: SHA256SUMS.minisig: Signature verification failed"],
    );
}

#[test]
fn tamper_the_sbom() {
    let f = make_bundle("a", true);
    flip_byte(&f.bundle.join("sbom.cdx.json"), 200);
    assert_fails_with(&f, &["files: sbom.cdx.json: sha256 is "]);
}

#[test]
fn tamper_the_statement() {
    let f = make_bundle("a", true);
    flip_byte(&f.bundle.join("provenance.intoto.json"), 300);
    assert_fails_with(
        &f,
        &[
            "files: provenance.intoto.json: sha256 is ",
            "signature: provenance.intoto.json.minisig: Signature verification failed (over provenance.intoto.json)",
        ],
    );
}

#[test]
fn tamper_the_signature() {
    let f = make_bundle("a", true);
    // Line 2 is the base64 signature; flip a character inside it.
    let text = std::fs::read_to_string(f.bundle.join("SHA256SUMS.minisig")).unwrap();
    let at = text.find('\n').unwrap() + 20;
    flip_byte(&f.bundle.join("SHA256SUMS.minisig"), at);
    assert_fails_with(&f, &["signature: SHA256SUMS.minisig: "]);
    assert_eq!(failures(&verify(&f)).len(), 1, "only the signature is wrong");
}

#[test]
fn a_file_removed() {
    let f = make_bundle("a", true);
    std::fs::remove_file(f.bundle.join("run-virt-aarch64.sh")).unwrap();
    assert_fails_with(&f, &["files: run-virt-aarch64.sh: listed in SHA256SUMS but missing"]);
}

#[test]
fn a_file_added() {
    let f = make_bundle("a", true);
    std::fs::write(f.bundle.join("images/virt-aarch64/extra.bin"), "x").unwrap();
    assert_fails_with(
        &f,
        &["files: images/virt-aarch64/extra.bin: not listed in SHA256SUMS (added after the release?)"],
    );
}

#[test]
fn the_wrong_public_key() {
    let f = make_bundle("a", true);
    let other = sign::generate(Some("x".into())).unwrap();
    std::fs::write(&f.public, other.public).unwrap();
    assert_fails_with(&f, &["signature: SHA256SUMS.minisig: Signature key id: ", "is different from public key"]);
}

#[test]
fn an_unsigned_bundle_checked_with_a_public_key() {
    let f = make_bundle("a", false);
    assert!(f.bundle.join("UNSIGNED").is_file());
    assert_fails_with(
        &f,
        &["signature: SHA256SUMS.minisig missing: the bundle is unsigned, but --pubkey asks for a signature"],
    );
    // Without --pubkey it is reported, not failed.
    let checks = check_bundle(&f.bundle, None).checks;
    assert!(failures(&checks).is_empty());
    assert_eq!(checks[1].verdict, Verdict::Skip("the bundle is unsigned (UNSIGNED)".into()));
}

#[test]
fn a_contract_naming_another_bundles_digests() {
    let a = make_bundle("a", true);
    let b = make_bundle("b", true);
    // The release engineer's mistake, consistently summed and signed.
    std::fs::copy(b.bundle.join(contract::FILE), a.bundle.join(contract::FILE)).unwrap();
    let sums = bundle::sum_tree(&a.bundle).unwrap();
    std::fs::write(a.bundle.join("SHA256SUMS"), xtask::release::sums::render(&sums)).unwrap();
    let signer = sign::Signer::load(&a.secret, Some(PASSWORD.into())).unwrap();
    bundle::sign(&a.bundle, &signer, &"c".repeat(40)).unwrap();
    let got = failures(&verify(&a));
    assert!(got.iter().all(|g| g.starts_with("contract: ")), "{got:#?}");
    assert!(
        got.iter().any(|g| g.contains("expects images/virt-aarch64/Image with sha256 ")
            && g.ends_with("(a contract for another bundle?)")),
        "{got:#?}"
    );
    assert!(got.iter().any(|g| g.starts_with("contract: BUNDLE-ID says ")), "{got:#?}");
}

#[test]
fn the_archive_is_deterministic() {
    let f = make_bundle("a", true);
    let first = std::fs::read(bundle::archive(&f.bundle, 1_733_000_000).unwrap()).unwrap();
    let second = std::fs::read(bundle::archive(&f.bundle, 1_733_000_000).unwrap()).unwrap();
    assert_eq!(first, second);
}

#[test]
fn validator_fixtures() {
    let dir = xtask::project::root().join("xtask/tests/fixtures/release");
    let c = contract::parse(&std::fs::read_to_string(dir.join("contract.json")).unwrap()).unwrap();
    let names: Vec<String> = c.profiles.iter().map(|p| p.name.clone()).collect();
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 9, "{cases:?}");
    let mut seen = BTreeMap::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let ev = results::read_dir(&case, &names).unwrap();
        let got = results::check(&c, &ev).iter().map(|l| format!("{l}\n")).collect::<String>();
        let want = std::fs::read_to_string(case.join("expected.txt")).unwrap();
        assert_eq!(got, want, "fixture {name}");
        seen.insert(name, got.is_empty());
    }
    assert_eq!(seen.get("good-report"), Some(&true));
    assert_eq!(seen.get("good-junit"), Some(&true));
    assert_eq!(seen.values().filter(|ok| !**ok).count(), seen.len() - 2, "every other fixture must fail");
}

#[test]
fn results_directory_without_evidence_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let e = results::read_dir(tmp.path(), &["virt-aarch64".into()]).unwrap_err();
    assert!(e.0.ends_with("no report.json, junit.xml or serial log (serial*.log naming a profile) to check"), "{e}");
}

/// Needs Python's `cyclonedx-python-lib` (with its JSON validation extra);
/// says so and passes without it.
#[test]
fn sbom_validates_against_the_cyclonedx_schema() {
    let probe =
        std::process::Command::new("python3").args(["-c", "import cyclonedx.validation.json, jsonschema"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: python3 with cyclonedx-python-lib[json-validation] is not installed");
        return;
    }
    let f = make_bundle("a", true);
    let script = "import sys\n\
        from cyclonedx.validation.json import JsonStrictValidator\n\
        from cyclonedx.schema import SchemaVersion\n\
        e = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(sys.argv[1]).read())\n\
        print(e if e else 'valid')\n\
        sys.exit(1 if e else 0)\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(f.bundle.join("sbom.cdx.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Needs Debian's `minisign` CLI; says so and passes without it.
#[test]
fn the_stock_minisign_cli_accepts_the_signatures() {
    if std::process::Command::new("minisign").arg("-v").output().is_err() {
        eprintln!("skipped: the minisign CLI is not installed (apt-get install minisign)");
        return;
    }
    let f = make_bundle("a", true);
    for file in ["SHA256SUMS", "provenance.intoto.json"] {
        let out = std::process::Command::new("minisign")
            .arg("-Vm")
            .arg(f.bundle.join(file))
            .arg("-p")
            .arg(&f.public)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("Signature and comment signature verified"), "{file}: {text}");
    }
    flip_byte(&f.bundle.join("SHA256SUMS"), 3);
    let out = std::process::Command::new("minisign")
        .arg("-Vm")
        .arg(f.bundle.join("SHA256SUMS"))
        .arg("-p")
        .arg(&f.public)
        .output()
        .unwrap();
    assert!(!out.status.success(), "minisign accepted a changed SHA256SUMS");
}

/// A small, fixed release: the pure builders' snapshots.
fn sample_info() -> ReleaseInfo {
    use xtask::release::info::{Crate, DebPackage, ImageFile, LockFile, ProfileRecord, ToolVersion};
    ReleaseInfo {
        source: Source {
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            dirty: false,
            source_date_epoch: 1_733_000_000,
            image_epoch: 1_700_000_000,
        },
        locks: vec![LockFile {
            path: "Cargo.lock".into(),
            sha256: "1".repeat(64),
            packages: vec![
                Crate {
                    name: "serde".into(),
                    version: "1.0.229".into(),
                    source: Some("registry+https://github.com/rust-lang/crates.io-index".into()),
                    checksum: Some("2".repeat(64)),
                },
                Crate { name: "xtask".into(), version: "0.1.0".into(), source: None, checksum: None },
            ],
        }],
        debian: vec![
            DebPackage {
                name: "linux-image-6.1.0-56-arm64".into(),
                version: "6.1.192-2".into(),
                arch: "arm64".into(),
                role: "kernel and modules of linux-aarch64".into(),
                sha256: Some("3".repeat(64)),
            },
            DebPackage {
                name: "busybox".into(),
                version: "1:1.35.0-4+deb12u1".into(),
                arch: "source".into(),
                role: "BusyBox source".into(),
                sha256: Some("4".repeat(64)),
            },
            DebPackage {
                name: "e2fsprogs".into(),
                version: "1.47.0-2+b2".into(),
                arch: "amd64".into(),
                role: "toolchain (installed on the build host)".into(),
                sha256: None,
            },
        ],
        tools: vec![ToolVersion { name: "mke2fs".into(), version: "mke2fs 1.47.0 (5-Feb-2023)".into() }],
        profiles: vec![ProfileRecord {
            name: "linux-aarch64".into(),
            files: vec![("contract/profiles/linux-aarch64.yaml".into(), "5".repeat(64))],
            resolved: serde_json::json!({"name": "linux-aarch64", "arch": "aarch64"}),
        }],
        phases: vec!["phase-a0".into()],
        images: vec![ImageFile {
            profile: "linux-aarch64".into(),
            role: "kernel".into(),
            path: "images/linux-aarch64/Image".into(),
            sha256: "6".repeat(64),
            size: 42,
        }],
    }
}

#[test]
fn sbom_snapshot() {
    insta::assert_snapshot!(bundle::pretty(&xtask::release::sbom::cyclonedx(&sample_info())));
}

#[test]
fn provenance_snapshot() {
    insta::assert_snapshot!(bundle::pretty(&xtask::release::provenance::statement(&sample_info())));
}

#[test]
fn run_script_snapshot() {
    let ws = Workspace::load(&xtask::project::root()).unwrap();
    let p = ws.profile("linux-aarch64").unwrap();
    let a = Artifacts {
        kernel: "images/linux-aarch64/Image".into(),
        initrd: Some("images/linux-aarch64/initramfs.cpio".into()),
        disks: p
            .disks
            .iter()
            .map(|d| DiskImage {
                name: d.name.clone(),
                path: format!("images/linux-aarch64/{}.img", d.name).into(),
                filesystem: Some(d.filesystem),
                partition: d.partition,
            })
            .collect(),
        key: String::new(),
        built: Vec::new(),
    };
    insta::assert_snapshot!(xtask::release::runbook::run_script(&p, &a));
}
