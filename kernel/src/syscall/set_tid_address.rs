//! set_tid_address(2): records the clear-child-tid address; returns the
//! tid. With one thread per process nothing else shares the memory, so,
//! as on Linux (which acts only when mm_users > 1), exit neither clears
//! the word nor wakes a futex there.

use super::args::UserPtr;
use super::current::current;
use super::SyscallResult;

pub fn sys_set_tid_address(tidptr: UserPtr<i32>) -> SyscallResult {
    current().with(|p| {
        p.clear_child_tid = tidptr.addr();
        Ok(p.pid as usize)
    })
}
