//! The SBOM: CycloneDX 1.5 JSON (`sbom.cdx.json`), a pure function of
//! [`ReleaseInfo`]. Components: the images (files with digests), the Rust
//! crates of both lock files (purl `pkg:cargo`, the registry checksum), the
//! Debian packages (purl `pkg:deb/debian`, the `.deb`/`.dsc` sha256) and the
//! tools that built the images. No clock, no randomness: the serial number
//! derives from the inputs, the timestamp is SOURCE_DATE_EPOCH.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::info::ReleaseInfo;
use super::sums::bytes_sha256;

pub const FILE: &str = "sbom.cdx.json";
pub const SPEC_VERSION: &str = "1.5";

/// A crate as the SBOM keys it: name, version, source.
type CrateId = (String, String, Option<String>);

pub fn cyclonedx(info: &ReleaseInfo) -> Value {
    let mut components = Vec::new();
    for img in &info.images {
        components.push(json!({
            "type": "file",
            "bom-ref": format!("file:{}", img.path),
            "name": img.path,
            "description": format!("{} of profile {}", img.role, img.profile),
            "hashes": [{"alg": "SHA-256", "content": img.sha256}],
            "properties": [{"name": "xtask:profile", "value": img.profile}, {"name": "xtask:size", "value": img.size.to_string()}],
        }));
    }
    // One component per crate version; the lock files it appears in as properties.
    let mut crates: BTreeMap<CrateId, (Option<String>, Vec<String>)> = BTreeMap::new();
    for lock in &info.locks {
        for c in &lock.packages {
            let e = crates.entry((c.name.clone(), c.version.clone(), c.source.clone())).or_default();
            e.0 = e.0.take().or(c.checksum.clone());
            e.1.push(lock.path.clone());
        }
    }
    for ((name, version, source), (checksum, locks)) in &crates {
        let purl = format!("pkg:cargo/{}@{}", enc(name), enc(version));
        let origin = match source {
            None => "workspace".to_string(),
            Some(s) => s.clone(),
        };
        let mut c = json!({
            "type": "library",
            "bom-ref": match source { Some(s) if !s.starts_with("registry+") => format!("{purl}#{}", enc(s)), _ => purl.clone() },
            "name": name,
            "version": version,
            "purl": purl,
            "properties": locks.iter().map(|l| json!({"name": "xtask:lockfile", "value": l}))
                .chain([json!({"name": "xtask:source", "value": origin})]).collect::<Vec<_>>(),
        });
        if let Some(sum) = checksum {
            c["hashes"] = json!([{"alg": "SHA-256", "content": sum}]);
        }
        components.push(c);
    }
    for d in &info.debian {
        let purl =
            format!("pkg:deb/debian/{}@{}?arch={}&distro=debian-12", enc(&d.name), enc(&d.version), enc(&d.arch));
        let mut c = json!({
            "type": if d.role.starts_with("toolchain") { "application" } else { "library" },
            "bom-ref": purl,
            "name": d.name,
            "version": d.version,
            "purl": purl,
            "description": d.role,
        });
        if let Some(sum) = &d.sha256 {
            c["hashes"] = json!([{"alg": "SHA-256", "content": sum}]);
        }
        components.push(c);
    }
    for t in &info.tools {
        components.push(json!({
            "type": "application",
            "bom-ref": format!("tool:{}", t.name),
            "name": t.name,
            "version": t.version,
            "description": "build tool (version as it reports it)",
        }));
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": format!("urn:uuid:{}", uuid_from(&serial_input(info))),
        "version": 1,
        "metadata": {
            "timestamp": timestamp(info.source.source_date_epoch),
            "tools": {"components": [{"type": "application", "name": "xtask", "version": env!("CARGO_PKG_VERSION")}]},
            "component": {
                "type": "operating-system",
                "bom-ref": "bundle",
                "name": "xtask release bundle",
                "version": info.source.commit,
                "description": format!("images of {}", info.profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")),
            },
            "properties": [
                {"name": "xtask:git-commit", "value": info.source.commit},
                {"name": "xtask:git-dirty", "value": info.source.dirty.to_string()},
                {"name": "xtask:source-date-epoch", "value": info.source.source_date_epoch.to_string()},
            ],
        },
        "components": components,
    })
}

fn serial_input(info: &ReleaseInfo) -> String {
    let mut s = info.source.commit.clone();
    for i in &info.images {
        s.push_str(&format!("\n{}  {}", i.sha256, i.path));
    }
    s
}

/// RFC 3339, UTC, seconds.
pub fn timestamp(epoch: u64) -> String {
    chrono::DateTime::from_timestamp(epoch as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

/// A version-4-shaped UUID from the sha256 of `text`.
pub fn uuid_from(text: &str) -> String {
    let h: Vec<char> = bytes_sha256(text.as_bytes()).chars().collect();
    let mut hex = h[..32].to_vec();
    hex[12] = '4';
    hex[16] = ['8', '9', 'a', 'b'][(hex[16].to_digit(16).unwrap_or(0) & 3) as usize];
    let s: String = hex.into_iter().collect();
    format!("{}-{}-{}-{}-{}", &s[..8], &s[8..12], &s[12..16], &s[16..20], &s[20..32])
}

/// purl percent-encoding: everything but unreserved characters.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_encoding_of_debian_versions() {
        assert_eq!(enc("1:1.35.0-4+deb12u1"), "1%3A1.35.0-4%2Bdeb12u1");
        assert_eq!(timestamp(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
