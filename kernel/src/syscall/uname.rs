//! uname(2).

use super::args::UserPtr;
use super::SyscallResult;

const FIELD: usize = 65;

/// `struct utsname`: six fields of 65 bytes.
pub type Utsname = [u8; FIELD * 6];

pub fn sys_uname(buf: UserPtr<Utsname>) -> SyscallResult {
    let mut uts = [0u8; FIELD * 6];
    let host = crate::hostname();
    let fields = ["xkernel", host.as_str(), concat!(env!("CARGO_PKG_VERSION"), "-xkernel"), "#1", "aarch64", "(none)"];
    for (i, f) in fields.iter().enumerate() {
        let n = f.len().min(FIELD - 1);
        uts[i * FIELD..i * FIELD + n].copy_from_slice(&f.as_bytes()[..n]);
    }
    buf.write(&uts)?;
    Ok(0)
}
