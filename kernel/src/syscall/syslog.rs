//! syslog(2) (klogctl): what `dmesg` and `dmesg -n` use.

use kernel_abi::Errno;

use super::args::UserSlice;
use super::current::current;
use super::SyscallResult;
use crate::printk;

const ACTION_CLOSE: i32 = 0;
const ACTION_OPEN: i32 = 1;
const ACTION_READ_ALL: i32 = 3;
const ACTION_READ_CLEAR: i32 = 4;
const ACTION_CLEAR: i32 = 5;
const ACTION_CONSOLE_OFF: i32 = 6;
const ACTION_CONSOLE_ON: i32 = 7;
const ACTION_CONSOLE_LEVEL: i32 = 8;
const ACTION_SIZE_UNREAD: i32 = 9;
const ACTION_SIZE_BUFFER: i32 = 10;

/// `buf` is the buffer and its `int` length for the read actions; for
/// SYSLOG_ACTION_CONSOLE_LEVEL the length is the level.
pub fn sys_syslog(action: i32, buf: UserSlice, len: i32) -> SyscallResult {
    // As Linux with dmesg_restrict=1 (Debian's default): every action
    // needs CAP_SYSLOG.
    current().require_privileged()?;
    match action {
        ACTION_CLOSE | ACTION_OPEN => Ok(0),
        ACTION_READ_ALL | ACTION_READ_CLEAR => {
            // Linux: a NULL buffer or a negative length is EINVAL, a zero
            // length reads nothing, then the buffer is checked (EFAULT).
            if buf.addr() == 0 {
                return Err(Errno::EINVAL);
            }
            let len = usize::try_from(len).map_err(|_| Errno::EINVAL)?.min(printk::size());
            if len == 0 {
                return Ok(0);
            }
            let mut data = super::fs_util::scratch(len)?;
            let n = printk::read_all(&mut data);
            buf.write_from(&data[..n])?;
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
        // SYSLOG_ACTION_READ (2), the destructive read that waits for new
        // messages, is not implemented: EINVAL (documented as Partial).
        _ => Err(Errno::EINVAL),
    }
}
