//! ioctl(2): terminal requests (console, PTY master and slave); ENOTTY for
//! everything else.

use kernel_abi::Errno;

use super::args::Fd;
use super::current::current;
use super::SyscallResult;
use crate::fs::file::Kind;

/// `cmd` is Linux's `unsigned int` request: C callers pass an `int`, so
/// requests with bit 31 set (`_IOR`) arrive sign-extended and are cut to
/// 32 bits at the boundary. `arg` stays a register: each request says
/// whether it is a number or a pointer (tty::ioctl decodes it).
pub fn sys_ioctl(fd: Fd, cmd: u32, arg: u64) -> SyscallResult {
    let file = current().file(fd)?;
    let tty = match &file.kind {
        Kind::Device(d) => d.tty(),
        _ => None,
    };
    let (tty, master) = tty.ok_or(Errno::ENOTTY)?;
    crate::tty::ioctl(&tty, master, u64::from(cmd), arg)
}
