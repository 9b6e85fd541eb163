//! Behaviour of the binary itself, whatever the command.

use std::process::Command;

/// `cargo xtask list --json | head`: stdout closes early; the command exits
/// quietly with the status a shell gives a command SIGPIPE killed (141),
/// not with a panic message.
#[test]
fn a_closed_stdout_exits_141_without_a_panic() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(["list", "--json"]).stdout(writer).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr, "", "nothing on stderr");
}
