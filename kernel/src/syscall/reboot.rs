//! reboot(2): power off, restart (QEMU exits: it runs with -no-reboot), halt.

use kernel_abi::Errno;

use super::current::current;
use super::SyscallResult;
use crate::arch::psci;

const MAGIC1: u32 = 0xfee1_dead;
const MAGIC2: [u32; 4] = [672274793, 85072278, 369367448, 537993216];
const CMD_RESTART: u32 = 0x0123_4567;
const CMD_HALT: u32 = 0xcdef_0123;
const CMD_POWER_OFF: u32 = 0x4321_fedc;
const CMD_CAD_ON: u32 = 0x89ab_cdef;
const CMD_CAD_OFF: u32 = 0;

/// Every argument is an `int` (the magic numbers compared as 32 bits).
pub fn sys_reboot(magic1: u32, magic2: u32, cmd: u32) -> SyscallResult {
    current().require_privileged()?; // CAP_SYS_BOOT
    if magic1 != MAGIC1 || !MAGIC2.contains(&magic2) {
        return Err(Errno::EINVAL);
    }
    match cmd {
        CMD_POWER_OFF | CMD_HALT => {
            printk!("reboot: Power down");
            psci::system_off()
        }
        CMD_RESTART => {
            printk!("reboot: Restarting system");
            psci::system_reset()
        }
        // Ctrl-Alt-Del handling: there is no keyboard; accepted as a setting.
        CMD_CAD_ON | CMD_CAD_OFF => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}
