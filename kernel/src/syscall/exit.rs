//! exit(2) / exit_group(2): ends the current process (single-threaded).

use super::SyscallResult;

pub fn sys_exit(code: i32) -> SyscallResult {
    // The wait status of a normal exit: the code in bits 8..16.
    crate::process::exit_current((code & 0xff) << 8)
}
