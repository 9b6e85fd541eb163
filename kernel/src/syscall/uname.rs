//! uname(2).

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;

const FIELD: usize = 65;

pub fn sys_uname(buf: u64) -> SyscallResult {
    let mut uts = [0u8; FIELD * 6];
    let host = crate::hostname();
    let fields = ["xkernel", host.as_str(), concat!(env!("CARGO_PKG_VERSION"), "-xkernel"), "#1", "aarch64", "(none)"];
    for (i, f) in fields.iter().enumerate() {
        let n = f.len().min(FIELD - 1);
        uts[i * FIELD..i * FIELD + n].copy_from_slice(&f.as_bytes()[..n]);
    }
    copy_to_user(buf, &uts)?;
    Ok(0)
}
