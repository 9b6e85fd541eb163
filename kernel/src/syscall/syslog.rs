//! syslog(2) (klogctl): what `dmesg` and `dmesg -n` use.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::copy_to_user;
use crate::printk;

const ACTION_READ_ALL: i32 = 3;
const ACTION_READ_CLEAR: i32 = 4;
const ACTION_CLEAR: i32 = 5;
const ACTION_CONSOLE_OFF: i32 = 6;
const ACTION_CONSOLE_ON: i32 = 7;
const ACTION_CONSOLE_LEVEL: i32 = 8;
const ACTION_SIZE_UNREAD: i32 = 9;
const ACTION_SIZE_BUFFER: i32 = 10;

pub fn sys_syslog(action: i32, buf: u64, len: u64) -> SyscallResult {
    // As Linux with dmesg_restrict=1 (Debian's default): every action
    // needs CAP_SYSLOG, i.e. root (effective uid 0).
    if crate::process::current_creds().euid != 0 {
        return Err(Errno::EPERM);
    }
    match action {
        ACTION_READ_ALL | ACTION_READ_CLEAR => {
            let len = usize::try_from(len).map_err(|_| Errno::EINVAL)?.min(printk::size());
            let mut data = super::fs_util::scratch(len)?;
            let n = printk::read_all(&mut data);
            copy_to_user(buf, &data[..n])?;
            if action == ACTION_READ_CLEAR {
                printk::clear();
            }
            Ok(n)
        }
        ACTION_CLEAR => {
            printk::clear();
            Ok(0)
        }
        ACTION_CONSOLE_OFF => {
            printk::set_console_level(1);
            Ok(0)
        }
        ACTION_CONSOLE_ON => {
            printk::set_console_level(7);
            Ok(0)
        }
        ACTION_CONSOLE_LEVEL => {
            if !(1..=8).contains(&len) {
                return Err(Errno::EINVAL);
            }
            printk::set_console_level(len as u8);
            Ok(0)
        }
        ACTION_SIZE_UNREAD | ACTION_SIZE_BUFFER => Ok(printk::size()),
        _ => Err(Errno::EINVAL),
    }
}
