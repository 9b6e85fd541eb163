//! set_tid_address(2): records the calling thread's clear-child-tid
//! address; returns its tid. When the thread exits while other threads
//! share its memory, 0 is written there and one futex waiter is woken (as
//! Linux, which acts only when mm_users > 1: process::group_exit).

use super::args::UserPtr;
use super::current::current;
use super::SyscallResult;

pub fn sys_set_tid_address(tidptr: UserPtr<i32>) -> SyscallResult {
    current().with(|p| {
        p.clear_child_tid = tidptr.addr();
        Ok(p.tid as usize)
    })
}
