//! Repository rules kept true mechanically (rust-analyzer's `tidy.rs`):
//! the module tables of docs/ARCHITECTURE.md match the tree, and every
//! declared dependency is used.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The rows of the markdown table that follows `heading` (first cell, whole row).
fn table_rows(doc: &str, heading: &str) -> Vec<(String, String)> {
    let start = doc.find(heading).unwrap_or_else(|| panic!("docs/ARCHITECTURE.md has no `{heading}`"));
    doc[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            let first = l.trim_start_matches('|').split('|').next().unwrap_or_default().trim().to_string();
            (first, l.to_string())
        })
        .collect()
}

/// Backticked names in a cell: "`a.rs`, `b/`" → ["a.rs", "b/"].
fn ticked(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

fn rust_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    out.sort();
    out
}

/// Test-only files need no row: `tests.rs`, `*_tests.rs`.
fn is_test_file(name: &str) -> bool {
    name == "tests.rs" || name.ends_with("_tests.rs")
}

#[test]
fn architecture_tables_match_the_tree() {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let src = root().join("xtask/src");
    let rows = table_rows(&doc, "## Crates and modules");
    let mut problems = Vec::new();
    let mut covered = BTreeSet::new();
    for (first, row) in &rows {
        for name in ticked(first) {
            covered.insert(name.trim_end_matches('/').to_string());
            let path = src.join(&name);
            if !path.exists() {
                problems.push(format!("xtask table: `{name}` does not exist in xtask/src"));
                continue;
            }
            if !path.is_dir() {
                continue;
            }
            // Every file of a module directory is named in its row.
            let named: BTreeSet<String> = ticked(row).into_iter().collect();
            for file in rust_files(&path) {
                let stem = file.trim_end_matches(".rs");
                if file == "mod.rs" || is_test_file(&file) || named.contains(&file) || named.contains(stem) {
                    continue;
                }
                problems.push(format!("xtask table: row `{name}` does not mention `{file}`"));
            }
            for mentioned in named.iter().filter(|n| n.ends_with(".rs") && !n.contains('/')) {
                if !path.join(mentioned).exists() && !src.join(mentioned).exists() {
                    problems.push(format!("xtask table: row `{name}` mentions `{mentioned}`, which is not in {name}"));
                }
            }
        }
    }
    // Every module of the crate has a row.
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let module = name.trim_end_matches(".rs").to_string();
        let is_module = entry.file_type().unwrap().is_dir() && rust_files(&entry.path()).contains(&"mod.rs".into())
            || name.ends_with(".rs") && !["main.rs", "lib.rs"].contains(&name.as_str());
        if is_module && !covered.contains(&name) && !covered.contains(&module) {
            problems.push(format!("xtask table: no row for `{name}`"));
        }
    }
    // The kernel's table names paths that exist.
    for (first, _) in table_rows(&doc, "## The in-tree kernel") {
        for name in ticked(&first) {
            if !root().join("kernel").join(&name).exists() {
                problems.push(format!("kernel table: `{name}` does not exist in kernel/"));
            }
        }
    }
    assert!(problems.is_empty(), "docs/ARCHITECTURE.md is out of date:\n{}", problems.join("\n"));
}

/// Dependency names of a `[section]` of a Cargo.toml (`name = ...` or
/// `name.workspace = true`).
fn dependencies(manifest: &str, section: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == section;
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.', ' ']).next().unwrap_or_default().trim();
            if !name.is_empty() {
                out.push(name.to_string());
            }
        }
    }
    out
}

fn all_rust_text(dir: &Path, out: &mut String) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
            all_rust_text(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

#[test]
fn every_dependency_is_used() {
    let workspace = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut problems = Vec::new();
    let mut used_anywhere = BTreeSet::new();
    let members: Vec<String> = workspace
        .split("members = [")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next().map(str::to_string))
        .collect();
    for member in &members {
        let dir = root().join(member);
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let mut text = String::new();
        all_rust_text(&dir, &mut text);
        for section in ["[dependencies]", "[dev-dependencies]", "[build-dependencies]"] {
            for dep in dependencies(&manifest, section) {
                let ident = dep.replace('-', "_");
                // `md-5` is imported as `md5`.
                let idents = [ident.clone(), ident.replace("_", "")];
                if idents.iter().any(|i| text.contains(&format!("{i}::")) || text.contains(&format!("use {i}"))) {
                    used_anywhere.insert(dep);
                } else {
                    problems.push(format!("{member}/Cargo.toml: `{dep}` ({section}) is never used"));
                }
            }
        }
    }
    for dep in dependencies(&workspace, "[workspace.dependencies]") {
        if !used_anywhere.contains(&dep) {
            problems.push(format!("Cargo.toml: workspace dependency `{dep}` is used by no member"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_dependency_reader_sees_every_dependency() {
    let manifest = std::fs::read_to_string(root().join("xtask/Cargo.toml")).unwrap();
    let deps = dependencies(&manifest, "[dependencies]");
    assert!(deps.len() >= 20 && deps.contains(&"serde_norway".to_string()), "{deps:?}");
    assert_eq!(
        dependencies("[dependencies]\nfoo-bar = \"1\"\nbaz.workspace = true\n[x]\nq = 1", "[dependencies]"),
        ["foo-bar", "baz"]
    );
}
