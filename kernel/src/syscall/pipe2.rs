//! pipe2(2) (flags: O_CLOEXEC, O_NONBLOCK; others EINVAL at the boundary).

use super::args::{Pipe2Flags, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::fs::pipe;

pub fn sys_pipe2(fds: UserPtr<[i32; 2]>, flags: Pipe2Flags) -> SyscallResult {
    let nonblock = flags & Pipe2Flags::NONBLOCK;
    let (r, w) = pipe::new(nonblock.bits())?;
    let cloexec = flags.contains(Pipe2Flags::CLOEXEC);
    let (rfd, wfd) = current().with(|p| {
        let rfd = p.fds.insert(r, cloexec)?;
        match p.fds.insert(w, cloexec) {
            Ok(wfd) => Ok((rfd, wfd)),
            Err(e) => {
                let _ = p.fds.close(rfd as u64);
                Err(e)
            }
        }
    })?;
    if let Err(e) = fds.write(&[rfd as i32, wfd as i32]) {
        let _ = current().with(|p| {
            let _ = p.fds.close(rfd as u64);
            let _ = p.fds.close(wfd as u64);
            Ok(())
        });
        return Err(e);
    }
    Ok(0)
}
