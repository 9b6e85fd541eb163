//! execve(2): replaces the current image; on success the syscall "returns"
//! into the new program's entry (its registers replace the frame).

use alloc::string::String;
use alloc::vec::Vec;

use kernel_abi::Errno;

use super::fs_util::user_path;
use super::SyscallResult;
use crate::arch::exception::TrapFrame;
use crate::mm::usercopy::copy_from_user;
use crate::process::{self, exec};

/// Most argv + envp strings.
const MAX_ARGS: usize = 4096;
/// Most bytes of argv + envp (Linux: ARG_MAX 128 KiB by default for a small stack).
const MAX_ARG_BYTES: usize = 128 << 10;

fn user_strings(mut addr: u64, total: &mut usize) -> Result<Vec<String>, Errno> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    loop {
        let mut raw = [0u8; 8];
        copy_from_user(&mut raw, addr)?;
        let ptr = u64::from_le_bytes(raw);
        if ptr == 0 {
            return Ok(out);
        }
        let s = user_path(ptr)?;
        *total += s.len() + 1;
        if out.len() >= MAX_ARGS || *total > MAX_ARG_BYTES {
            return Err(Errno::E2BIG);
        }
        out.push(s);
        addr += 8;
    }
}

pub fn sys_execve(path: u64, argv: u64, envp: u64, frame: &mut TrapFrame) -> SyscallResult {
    let path = user_path(path)?;
    let mut total = 0;
    let argv = user_strings(argv, &mut total)?;
    let envp = user_strings(envp, &mut total)?;
    let abs = if path.starts_with('/') {
        path.clone()
    } else {
        kernel_path::join(&crate::fs::ns().path_of(&crate::fs::cwd())?, &path)
    };
    let argv_s: Vec<&str> = argv.iter().map(String::as_str).collect();
    let envp_s: Vec<&str> = envp.iter().map(String::as_str).collect();
    // Loading activates the new space; on failure the old one comes back.
    let mut loaded = match exec::load_path(&abs, &argv_s, &envp_s) {
        Ok(l) => l,
        Err(e) => {
            process::with_current(|p| {
                if let Some(s) = &p.space {
                    s.activate()
                }
            })?;
            return Err(e);
        }
    };
    let image = alloc::sync::Arc::new(core::mem::take(&mut loaded.image));
    let old = process::with_current(|p| {
        p.image = Some(image);
        p.name = loaded.name.clone();
        p.cmdline = loaded.cmdline.clone();
        p.brk_start = loaded.brk;
        p.brk = loaded.brk;
        p.mmap_next = loaded.mmap_base;
        p.signals.reset_on_exec();
        let closed = p.fds.close_on_exec();
        (p.space.replace(loaded.space), closed)
    })?;
    let (old, closed) = old;
    for file in &closed {
        crate::fs::lock::release(process::current_pid(), &*file.node);
    }
    drop(closed);
    drop(old);
    *frame = loaded.frame;
    Ok(0)
}
