//! Provenance: an in-toto Statement v1 (`provenance.intoto.json`) whose
//! subjects are the images' digests, with a SLSA provenance v1 predicate:
//! the git commit and dirty flag, the lock files' digests, the Debian inputs,
//! tool versions, SOURCE_DATE_EPOCH and the resolved profiles. A pure
//! function of [`ReleaseInfo`]; no build times (they would break
//! reproducibility).

use serde_json::{json, Value};

use super::info::ReleaseInfo;

pub const FILE: &str = "provenance.intoto.json";
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
pub const BUILD_TYPE: &str = "https://xtask.invalid/release/v1";

pub fn statement(info: &ReleaseInfo) -> Value {
    let subject: Vec<Value> =
        info.images.iter().map(|i| json!({"name": i.path, "digest": {"sha256": i.sha256}})).collect();
    let mut deps = vec![json!({
        "uri": "git+file:workspace",
        "digest": {"gitCommit": info.source.commit},
        "annotations": {"dirty": info.source.dirty},
    })];
    for lock in &info.locks {
        deps.push(json!({"name": lock.path, "digest": {"sha256": lock.sha256}}));
    }
    for d in &info.debian {
        let mut dep = json!({
            "uri": format!("pkg:deb/debian/{}@{}?arch={}", d.name, d.version, d.arch),
            "annotations": {"role": d.role},
        });
        if let Some(sum) = &d.sha256 {
            dep["digest"] = json!({"sha256": sum});
        }
        deps.push(dep);
    }
    for p in &info.profiles {
        for (path, sum) in &p.files {
            deps.push(json!({"name": path, "digest": {"sha256": sum}}));
        }
    }
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subject,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "profiles": info.profiles.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
                    "phases": info.phases,
                    "source": {"gitCommit": info.source.commit, "dirty": info.source.dirty},
                },
                "internalParameters": {
                    "SOURCE_DATE_EPOCH": info.source.source_date_epoch,
                    "imageEpoch": info.source.image_epoch,
                    "resolvedProfiles": info.profiles.iter().map(|p| json!({"name": p.name, "profile": p.resolved})).collect::<Vec<_>>(),
                },
                "resolvedDependencies": deps,
            },
            "runDetails": {
                "builder": {
                    "id": "https://xtask.invalid/builder/cargo-xtask-release",
                    "version": info.tools.iter().map(|t| (t.name.clone(), Value::String(t.version.clone()))).collect::<serde_json::Map<_, _>>(),
                },
                "metadata": {"invocationId": format!("{}:{}", info.source.commit, info.profiles.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(","))},
            },
        },
    })
}
