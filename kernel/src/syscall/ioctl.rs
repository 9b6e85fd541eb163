//! ioctl(2): the console TTY's requests; ENOTTY for everything else.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::fs::dev::Device;
use crate::fs::Data;
use crate::process;

pub fn sys_ioctl(fd: u64, cmd: u64, arg: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    let is_console = matches!(&*file.node.data.lock(), Data::Device(Device::Console));
    if !is_console {
        return Err(Errno::ENOTTY);
    }
    crate::tty::ioctl(cmd, arg)
}
