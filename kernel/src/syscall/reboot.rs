//! reboot(2): power off, restart (QEMU exits: it runs with -no-reboot), halt.

use kernel_abi::Errno;

use super::SyscallResult;
use crate::arch::psci;

const MAGIC1: u64 = 0xfee1_dead;
const MAGIC2: [u64; 4] = [672274793, 85072278, 369367448, 537993216];
const CMD_RESTART: u64 = 0x0123_4567;
const CMD_HALT: u64 = 0xcdef_0123;
const CMD_POWER_OFF: u64 = 0x4321_fedc;
const CMD_CAD_ON: u64 = 0x89ab_cdef;
const CMD_CAD_OFF: u64 = 0;

pub fn sys_reboot(magic1: u64, magic2: u64, cmd: u64) -> SyscallResult {
    // CAP_SYS_BOOT: only root (effective uid 0).
    if crate::process::current_creds().euid != 0 {
        return Err(Errno::EPERM);
    }
    if magic1 as u32 as u64 != MAGIC1 || !MAGIC2.contains(&(magic2 as u32 as u64)) {
        return Err(Errno::EINVAL);
    }
    match cmd as u32 as u64 {
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
