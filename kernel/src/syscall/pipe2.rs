//! pipe2(2).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::fs::file::{O_CLOEXEC, O_NONBLOCK};
use crate::fs::pipe;
use crate::mm::usercopy::copy_to_user;
use crate::process;

pub fn sys_pipe2(fds: u64, flags: u64) -> SyscallResult {
    let flags = flags as u32;
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    let (r, w) = pipe::new(flags & O_NONBLOCK)?;
    let cloexec = flags & O_CLOEXEC != 0;
    let (rfd, wfd) = process::with_current(|p| -> Result<(usize, usize), Errno> {
        let rfd = p.fds.insert(r, cloexec)?;
        match p.fds.insert(w, cloexec) {
            Ok(wfd) => Ok((rfd, wfd)),
            Err(e) => {
                let _ = p.fds.close(rfd as u64);
                Err(e)
            }
        }
    })??;
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&(rfd as i32).to_le_bytes());
    b[4..].copy_from_slice(&(wfd as i32).to_le_bytes());
    if let Err(e) = copy_to_user(fds, &b) {
        let _ = process::with_current(|p| {
            let _ = p.fds.close(rfd as u64);
            let _ = p.fds.close(wfd as u64);
        });
        return Err(e);
    }
    Ok(0)
}
