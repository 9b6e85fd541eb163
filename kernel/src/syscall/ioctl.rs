//! ioctl(2): terminal requests (console, PTY master and slave); ENOTTY for
//! everything else.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::fs::file::Kind;
use crate::process;

pub fn sys_ioctl(fd: u64, cmd: u64, arg: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    let tty = match &file.kind {
        Kind::Device(d) => d.tty(),
        _ => None,
    };
    let (tty, master) = tty.ok_or(Errno::ENOTTY)?;
    // The request is an `unsigned int` (Linux's ABI): C callers pass an
    // `int`, so requests with bit 31 set (`_IOR`) arrive sign-extended.
    crate::tty::ioctl(&tty, master, cmd as u32 as u64, arg)
}
