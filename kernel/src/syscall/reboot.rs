//! reboot(2): power off, restart (QEMU exits: it runs with -no-reboot), halt.

use kernel_abi::Errno;

use super::args::UserCStr;
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
const CMD_RESTART2: u32 = 0xa1b2_c3d4;

/// Every argument is an `int` (the magic numbers compared as 32 bits);
/// `arg` is RESTART2's command string. Other commands (SW_SUSPEND, KEXEC)
/// are EINVAL, as Linux without hibernation or a loaded kexec image.
pub fn sys_reboot(magic1: u32, magic2: u32, cmd: u32, arg: UserCStr) -> SyscallResult {
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
        // The command is for the firmware; PSCI's SYSTEM_RESET takes none,
        // so (as Linux on this machine) it is read (EFAULT), logged, and
        // the machine restarts.
        CMD_RESTART2 => {
            let mut buf = [0u8; 256];
            let n = match arg.read_into(&mut buf) {
                Ok(n) => n,
                Err(Errno::ENAMETOOLONG) => buf.len() - 1,
                Err(e) => return Err(e),
            };
            let command = core::str::from_utf8(&buf[..n]).unwrap_or("?");
            printk!("reboot: Restarting system with command '{}'", command);
            psci::system_reset()
        }
        // Ctrl-Alt-Del handling: there is no keyboard; accepted as a setting.
        CMD_CAD_ON | CMD_CAD_OFF => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}
