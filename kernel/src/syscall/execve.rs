//! execve(2): replaces the current image; on success the syscall "returns"
//! into the new program's entry (its registers replace the frame).

use alloc::string::String;
use alloc::vec::Vec;

use kernel_abi::Errno;

use super::args::{user_path, UserCStr, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::arch::exception::TrapFrame;
use crate::process::exec;

pub fn sys_execve(path: UserCStr, argv: UserPtr<u64>, envp: UserPtr<u64>, frame: &mut TrapFrame) -> SyscallResult {
    let path = user_path(path)?;
    // Linux's getname: an empty path names nothing (ENOENT), before argv.
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let stack_limit = current().with(|p| Ok(p.rlimits.0[crate::process::rlimit::RLIMIT_STACK].cur))?;
    let (argv, envp) = super::exec_args::read(&path, argv, envp, stack_limit)?;
    let abs = if path.starts_with('/') {
        path.clone()
    } else {
        kernel_path::join(&crate::fs::ns().path_of(&current().cwd())?, &path)
    };
    let argv_s: Vec<&str> = argv.iter().map(String::as_str).collect();
    let envp_s: Vec<&str> = envp.iter().map(String::as_str).collect();
    // Loading activates the new space; on failure the old one comes back.
    let mut loaded = match exec::load_path(&abs, &argv_s, &envp_s) {
        Ok(l) => l,
        Err(e) => {
            current().with(|p| {
                if let Some(s) = &p.space {
                    s.activate()
                }
                Ok(())
            })?;
            return Err(e);
        }
    };
    // Past the point of no return: the other threads end and the caller
    // becomes the leader (its tid the pid), as Linux's de_thread.
    crate::process::exec_takeover();
    let image = alloc::sync::Arc::new(core::mem::take(&mut loaded.image));
    let (old, closed) = current().with(|p| {
        p.image = Some(image);
        p.did_exec = true;
        p.name = loaded.name.clone();
        p.cmdline = loaded.cmdline.clone();
        p.brk_start = loaded.brk;
        p.brk = loaded.brk;
        p.mmap_next = loaded.mmap_base;
        p.signals.reset_on_exec();
        // POSIX timers do not survive exec (Linux's exit_itimers).
        p.timers.clear();
        crate::process::release_vfork_parent(p);
        let closed = p.fds.close_on_exec();
        // ru_maxrss spans execve (Linux's setmax_mm_hiwater_rss).
        p.sample_rss();
        let old = p.space.replace(loaded.space);
        // Waiting for the other threads to end (exec_takeover) may have
        // switched away and back, to the old space: the new one is made
        // active again.
        if let Some(s) = &p.space {
            s.activate();
        }
        Ok((old, closed))
    })?;
    for file in &closed {
        crate::fs::lock::release(current().pid(), &*file.node);
    }
    drop(closed);
    drop(old);
    *frame = loaded.frame;
    Ok(0)
}
