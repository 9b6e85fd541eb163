//! `/proc/<pid>/`: stat, status, the fd/ directory and the exe and
//! cwd links; `/proc/<pid>/task/<tid>/`'s stat and status (one thread's
//! view of the same). Everything is read from the process table when the file is
//! opened (or the link looked up); a pid that is gone gives empty content
//! or ENOENT, never a stale reference.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::maps::{usage, Usage};
use crate::fs::file::FD_MAX;
use crate::fs::{S_IFIFO, S_IFMT};
use crate::mm::page_table::PAGE_SIZE;
use crate::process::{with_pid, Process};

/// The symlinks of a pid directory besides `fd/<n>`.
pub const LINKS: &[&str] = &["cwd", "exe"];

/// Target of `/proc/<pid>/{cwd,exe}`.
pub fn link(pid: u32, name: &str) -> Option<String> {
    with_pid(pid, |p| match name {
        "cwd" => Some(p.cwd.as_ref().map_or_else(|| "/".into(), crate::fs::display_path)),
        // Zombies and pid 0 have no image (Linux: ENOENT on readlink).
        "exe" => p.space.as_ref().and(p.image.as_ref()).map(|i| i.path.clone()),
        _ => None,
    })
    .flatten()
}

/// The open descriptors of `pid`, in order.
pub fn fds(pid: u32) -> Vec<usize> {
    with_pid(pid, |p| (0..FD_MAX).filter(|&fd| p.fds.get(fd as u64).is_ok()).collect()).unwrap_or_default()
}

/// Target of `/proc/<pid>/fd/<name>`: the path the file was opened with;
/// `pipe:[ino]` for a pipe end, as Linux names it.
pub fn fd_target(pid: u32, name: &str) -> Option<String> {
    // Only the canonical spelling ("07" or "+7" are not entries).
    let fd: u64 = name.parse().ok().filter(|fd: &u64| format!("{fd}") == name)?;
    let file = with_pid(pid, |p| p.fds.get(fd).ok()).flatten()?;
    let attr = file.node.getattr().ok()?;
    if attr.mode & S_IFMT == S_IFIFO {
        return Some(format!("pipe:[{}]", attr.ino));
    }
    if attr.mode & S_IFMT == crate::fs::S_IFSOCK {
        return Some(format!("socket:[{}]", attr.ino));
    }
    file.path.as_ref().map(crate::fs::display_path)
}

/// The scheduler state as a `ps` letter and its status(5) name (stat and
/// status show the same): Z, S while waiting for an event, else R.
fn state(p: &Process) -> (char, &'static str) {
    let letter = p.state_letter();
    let name = match letter {
        'Z' => "zombie",
        'T' => "stopped",
        'S' => "sleeping",
        _ => "running",
    };
    (letter, name)
}

/// The thread `/proc/<pid>/{stat,status}` show: the leader while it
/// runs, else the thread held in the entry.
fn shown_thread(p: &Process) -> u32 {
    if p.has_thread(p.pid) {
        p.pid
    } else {
        p.tid
    }
}

/// `/proc/<pid>/status`. The Vm lines are left out for a zombie, as Linux does.
pub fn status(pid: u32) -> String {
    with_pid(pid, |p| status_of(p, shown_thread(p))).unwrap_or_default()
}

/// `/proc/<pid>/task/<tid>/status` (empty when `tid` is not a thread of `pid`).
pub fn task_status(pid: u32, tid: u32) -> String {
    with_pid(pid, |p| if p.has_thread(tid) { status_of(p, tid) } else { String::new() }).unwrap_or_default()
}

/// A thread's state letter: the process's, but S only while that thread waits.
fn thread_state(p: &Process, tid: u32) -> (char, &'static str) {
    match (state(p), p.thread_view(tid)) {
        (('S' | 'R', _), Some((_, _, _, waiting))) => {
            if waiting && tid != crate::process::current_tid() {
                ('S', "sleeping")
            } else {
                ('R', "running")
            }
        }
        (s, _) => s,
    }
}

fn status_of(p: &Process, tid: u32) -> String {
    {
        let (letter, state) = thread_state(p, tid);
        let c = &p.creds_of(tid);
        // Linux: the groups separated by spaces, then one more space.
        let mut groups: String = c.groups().iter().map(|g| format!("{g} ")).collect();
        if groups.is_empty() {
            groups.push(' ');
        }
        let mut s = format!(
            "Name:\t{}\nUmask:\t{:04o}\nState:\t{letter} ({state})\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n\
             Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nFDSize:\t{}\nGroups:\t{}\nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n",
            p.name,
            p.umask,
            p.pid,
            tid,
            p.ppid,
            c.uid,
            c.euid,
            c.suid,
            c.euid,
            c.gid,
            c.egid,
            c.sgid,
            c.egid,
            fd_size(p),
            groups,
            p.pid,
            tid,
            p.pgid,
            p.sid,
        );
        if p.space.is_some() {
            let u = usage(p);
            let kb = |bytes: u64| bytes / 1024;
            let _ = write!(
                s,
                "VmSize:\t{:8} kB\nVmLck:\t{:8} kB\nVmRSS:\t{:8} kB\nVmData:\t{:8} kB\nVmStk:\t{:8} kB\nVmExe:\t{:8} kB\nVmLib:\t{:8} kB\nVmSwap:\t{:8} kB\n",
                kb(u.size),
                0,
                kb(u.resident),
                kb(u.data),
                kb(u.stack),
                kb(u.exe),
                0,
                0,
            );
        }
        let sig = &p.signals;
        let (mut ignored, mut caught) = (0u64, 0u64);
        for (i, a) in sig.actions.iter().enumerate() {
            match a.handler {
                0 => {}
                1 => ignored |= 1 << i,
                _ => caught |= 1 << i,
            }
        }
        let (blocked, pending) = p.thread_view(tid).map_or((0, 0), |(b, pend, ..)| (b, pend));
        let _ = write!(
            s,
            "Threads:\t{}\nSigPnd:\t{:016x}\nShdPnd:\t{:016x}\nSigBlk:\t{:016x}\nSigIgn:\t{ignored:016x}\nSigCgt:\t{caught:016x}\n",
            p.thread_count(),
            pending,
            0,
            blocked
        );
        s
    }
}

/// FDSize: the descriptor table's size in slots, rounded up like Linux's (64 at least).
fn fd_size(p: &Process) -> usize {
    let highest = (0..FD_MAX).rev().find(|&fd| p.fds.get(fd as u64).is_ok()).map_or(0, |fd| fd + 1);
    highest.max(1).next_power_of_two().max(64)
}

/// `(tty_nr, tpgid)` of stat: the device number of session `sid`'s
/// controlling terminal and its foreground process group; `(0, -1)`
/// without one. The console is the PL011, ttyAMA0 (204:64) as on Linux.
fn controlling_tty(sid: u32) -> (u64, i64) {
    use crate::tty::{console::Console, pty, with_term};
    if sid == 0 {
        return (0, -1);
    }
    if let Some(pgrp) = with_term(&Console, |t| (t.sid == sid).then_some(t.pgrp)) {
        return (crate::fs::encode_dev(204, 64), pgrp as i64);
    }
    match pty::find_by_session(sid) {
        Some(p) => (crate::fs::encode_dev(136, p.index()), with_term(&*p, |t| t.pgrp) as i64),
        None => (0, -1),
    }
}

/// `/proc/<pid>/stat`: the 52 fields of Linux 6.1 (proc_pid_stat(5)).
/// Faults and the addresses of argv/envp are not tracked: 0.
pub fn stat(pid: u32) -> String {
    stat_of(pid, None)
}

/// `/proc/<pid>/task/<tid>/stat`: the process's fields with the thread's
/// id, state, start time and CPU times.
pub fn task_stat(pid: u32, tid: u32) -> String {
    match with_pid(pid, |p| p.has_thread(tid)) {
        Some(true) => stat_of(pid, Some(tid)),
        _ => String::new(),
    }
}

fn stat_of(pid: u32, tid: Option<u32>) -> String {
    // utime, stime, cutime, cstime: clock ticks (USER_HZ).
    const TICK_NS: u64 = 1_000_000_000 / crate::init::HZ;
    // The terminal is looked up first: its lock is not taken under the process table's.
    let Some(sid) = with_pid(pid, |p| p.sid) else { return String::new() };
    let (tty_nr, tpgid) = controlling_tty(sid);
    with_pid(pid, |p| {
        let (state, _) = match tid {
            Some(t) => thread_state(p, t),
            None => state(p),
        };
        let start = tid.and_then(|t| p.thread_view(t)).map_or(p.start_ticks, |(_, _, start, _)| start);
        let u = if p.space.is_some() { usage(p) } else { Usage::default() };
        let (utime, stime) = match tid.and_then(|t| p.thread_times_of(t)) {
            Some(times) => times,
            None => (p.times.user, p.times.system),
        };
        let exit_code = match p.state {
            crate::process::State::Zombie(status) => status,
            _ => 0,
        };
        let mut s = format!(
            "{} ({}) {state} {} {} {} {tty_nr} {tpgid} 4194560 0 0 0 0 {} {} {} {} 20 0 {} 0 {} {} {} 18446744073709551615 ",
            tid.unwrap_or(p.pid),
            p.name,
            p.ppid,
            p.pgid,
            p.sid,
            utime / TICK_NS,
            stime / TICK_NS,
            p.times.children_user / TICK_NS,
            p.times.children_system / TICK_NS,
            p.thread_count().max(1),
            start,
            u.size,
            u.resident / PAGE_SIZE,
        );
        // startcode endcode startstack kstkesp kstkeip signal blocked
        // sigignore sigcatch wchan nswap cnswap exit_signal processor
        // rt_priority policy delayacct_blkio_ticks guest_time cguest_time
        // start_data end_data start_brk arg_start arg_end env_start env_end exit_code
        let _ = write!(
            s,
            "{} {} 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 {} {} {} 0 0 0 0 {exit_code}\n",
            u.code.0,
            u.code.1,
            u.data_range.0,
            u.data_range.1,
            if p.space.is_some() { p.brk_start } else { 0 },
        );
        s
    })
    .unwrap_or_default()
}
