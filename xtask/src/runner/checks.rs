//! The pure checks behind `run` and `disk_file` steps, and `{{var}}`
//! substitution: no console, no QEMU, unit-tested here.

use std::collections::BTreeMap;

use std::borrow::Cow;

use regex::Regex;

use crate::config::{DiskFileCheck, Pattern, Profile, RunCheck, StatusCheck};
use crate::console::session::RunOutput;

/// Checks a command's result against a `run` step; stores its captures.
///
/// Every check sees the output with and without kernel log lines (console
/// noise): it passes when it holds on either view, and `expect_not` must
/// hold on both.
pub fn check_run(check: &RunCheck, out: &RunOutput, vars: &mut BTreeMap<String, String>) -> Result<(), String> {
    match check.status {
        StatusCheck::Exactly(want) if out.status != want => {
            return Err(format!("exit status {} (expected {want})", out.status));
        }
        StatusCheck::NonZero if out.status == 0 => return Err("exit status 0 (expected a failure)".into()),
        _ => {}
    }
    let views = [out.clean.as_str(), out.output.as_str()];
    if let Some(exact) = &check.output {
        let exact = substitute(exact, vars)?;
        let want = exact.strip_suffix('\n').unwrap_or(&exact);
        let same = |v: &str| v.strip_suffix('\n').unwrap_or(v) == want;
        if !views.iter().any(|v| same(v)) {
            let got = out.clean.strip_suffix('\n').unwrap_or(&out.clean);
            return Err(format!("output {got:?} (expected exactly {want:?})"));
        }
    }
    for p in &check.expect {
        let re = compile(p, vars)?;
        if !views.iter().any(|v| re.is_match(v)) {
            return Err(format!("output does not match /{}/", re.as_str()));
        }
    }
    for p in &check.expect_not {
        let re = compile(p, vars)?;
        if let Some(m) = views.iter().find_map(|v| re.find(v)) {
            return Err(format!("output matches /{}/ (found {:?}), which it must not", re.as_str(), m.as_str()));
        }
    }
    for (name, re) in &check.capture {
        let Some(caps) = views.iter().find_map(|v| re.captures(v)) else {
            return Err(format!("capture `{name}`: output does not match /{}/", re.as_str()));
        };
        let value = caps.get(1).or_else(|| caps.get(0)).map(|m| m.as_str().to_string()).unwrap_or_default();
        vars.insert(name.clone(), value);
    }
    Ok(())
}

/// Checks the contents of a file read out of a disk image.
pub fn check_disk_file(f: &DiskFileCheck, data: &[u8], vars: &BTreeMap<String, String>) -> Result<String, String> {
    use md5::{Digest, Md5};
    let text = String::from_utf8_lossy(data);
    let digest: String = Md5::digest(data).iter().map(|b| format!("{b:02x}")).collect();
    if let Some(want) = &f.output {
        let want = want.strip_suffix('\n').unwrap_or(want);
        if text.strip_suffix('\n').unwrap_or(&text) != want {
            return Err(format!("{} holds {:?} (expected exactly {want:?})", f.path, text));
        }
    }
    for re in &f.expect {
        if !re.is_match(&text) {
            return Err(format!("{} does not match /{}/", f.path, re.as_str()));
        }
    }
    if let Some(want) = &f.md5 {
        let want = substitute(want, vars)?;
        if want.trim() != digest {
            return Err(format!("{} has md5 {digest} (expected {})", f.path, want.trim()));
        }
    }
    Ok(format!("{}: {} bytes, md5 {digest}", f.path, data.len()))
}

/// Replaces `{{name}}` with captured values; an unknown name is an error.
pub fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    substitute_with(text, vars, |v| v.to_string())
}

/// A `run` check's regex with its variables filled in, regex-escaped.
fn compile<'p>(p: &'p Pattern, vars: &BTreeMap<String, String>) -> Result<Cow<'p, Regex>, String> {
    match p {
        Pattern::Fixed(re) => Ok(Cow::Borrowed(re)),
        Pattern::Template(t) => {
            let text = substitute_with(t, vars, regex::escape)?;
            crate::config::compile_regex(&text).map(Cow::Owned)
        }
    }
}

fn substitute_with(
    text: &str,
    vars: &BTreeMap<String, String>,
    fill: impl Fn(&str) -> String,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        let name = rest[start + 2..start + 2 + len].trim();
        let value = vars.get(name).ok_or_else(|| format!("variable `{name}` was not captured by an earlier step"))?;
        out.push_str(&rest[..start]);
        out.push_str(&fill(value));
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Variables every test starts with: `{{profile.name}}`, `{{profile.arch}}`,
/// `{{profile.smp}}`, `{{profile.memory_mib}}`.
pub fn profile_vars(p: &Profile) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("profile.name".to_string(), p.name.clone()),
        ("profile.arch".to_string(), p.arch.name().to_string()),
        ("profile.smp".to_string(), p.qemu.smp.to_string()),
        ("profile.memory_mib".to_string(), p.qemu.memory_mib.to_string()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn out(clean: &str, raw: &str, status: i32) -> RunOutput {
        RunOutput { output: raw.into(), clean: clean.into(), status }
    }

    fn check() -> RunCheck {
        RunCheck {
            command: "x".into(),
            status: StatusCheck::Exactly(0),
            expect: vec![],
            expect_not: vec![],
            output: None,
            capture: vec![],
        }
    }

    #[test]
    fn either_view_satisfies_a_check_but_expect_not_needs_both() {
        let o = out("after\n", "[ 1.000000] noise\nafter\n", 0);
        let c = RunCheck { output: Some("after".into()), ..check() };
        assert_eq!(check_run(&c, &o, &mut BTreeMap::new()), Ok(()));
        let c = RunCheck { expect: vec![Pattern::Fixed(Regex::new("noise").unwrap())], ..check() };
        assert_eq!(check_run(&c, &o, &mut BTreeMap::new()), Ok(()), "dmesg-like output is visible in the raw view");
        let c = RunCheck { expect_not: vec![Pattern::Fixed(Regex::new("noise").unwrap())], ..check() };
        assert!(check_run(&c, &o, &mut BTreeMap::new()).is_err());
    }

    #[test]
    fn status_and_captures() {
        let o = out("digest abc123\n", "digest abc123\n", 3);
        assert_eq!(check_run(&check(), &o, &mut BTreeMap::new()), Err("exit status 3 (expected 0)".into()));
        let c = RunCheck {
            status: StatusCheck::Any,
            capture: vec![("d".into(), Regex::new(r"digest (\w+)").unwrap())],
            ..check()
        };
        let mut vars = BTreeMap::new();
        check_run(&c, &o, &mut vars).unwrap();
        assert_eq!(vars["d"], "abc123");
        let c = RunCheck { status: StatusCheck::NonZero, output: Some("digest {{d}}".into()), ..check() };
        assert_eq!(check_run(&c, &o, &mut vars), Ok(()));
        let c =
            RunCheck { status: StatusCheck::Any, expect: vec![Pattern::Template(r"^digest {{d}}$".into())], ..check() };
        assert_eq!(check_run(&c, &o, &mut vars), Ok(()), "a variable inside a regex");
        vars.insert("d".into(), "a.c".into());
        assert!(
            check_run(&c, &out("digest abc", "digest abc", 0), &mut vars).is_err(),
            "the value is escaped, `.` is literal"
        );
        let c = RunCheck { status: StatusCheck::NonZero, ..check() };
        let zero = out("", "", 0);
        assert!(check_run(&c, &zero, &mut vars).is_err(), "nonzero rejects success");
    }

    #[test]
    fn substitution() {
        let vars = BTreeMap::from([("a".to_string(), "1".to_string())]);
        assert_eq!(substitute("x{{a}}y{{ a }}", &vars), Ok("x1y1".into()));
        assert!(substitute("{{b}}", &vars).unwrap_err().contains("`b` was not captured"));
        assert_eq!(substitute("no vars ${HOME}", &vars), Ok("no vars ${HOME}".into()));
    }

    #[test]
    fn disk_file_checks() {
        let f = DiskFileCheck {
            disk: "d".into(),
            path: "/f".into(),
            output: Some("one".into()),
            expect: vec![],
            md5: Some("5bbf5a52328e7439ae6e719dfe712200".into()),
        };
        assert!(check_disk_file(&f, b"one\n", &BTreeMap::new()).is_ok());
        assert!(check_disk_file(&f, b"two\n", &BTreeMap::new()).unwrap_err().contains("expected exactly"));
    }
}
