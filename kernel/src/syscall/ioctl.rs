//! ioctl(2): terminal requests (console, PTY master and slave), the block
//! requests BusyBox uses (`blockdev`, `fdisk`); ENOTTY for everything else.

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
    if let Kind::Block(b) = &file.kind {
        return block_ioctl(b, cmd, arg);
    }
    let tty = match &file.kind {
        Kind::Device(d) => d.tty(),
        _ => None,
    };
    let (tty, master) = tty.ok_or(Errno::ENOTTY)?;
    crate::tty::ioctl(&tty, master, u64::from(cmd), arg)
}

/// `_IO(0x12, 95)`: re-read the partition table.
const BLKRRPART: u32 = 0x125f;
/// `_IO(0x12, 96)`: size in 512-byte sectors (`unsigned long`).
const BLKGETSIZE: u32 = 0x1260;
/// `_IO(0x12, 97)`: write back and drop cached buffers.
const BLKFLSBUF: u32 = 0x1261;
/// `_IO(0x12, 104)`: logical sector size (`int`).
const BLKSSZGET: u32 = 0x1268;
/// `_IOR(0x12, 114, size_t)`: size in bytes (`u64`).
const BLKGETSIZE64: u32 = 0x8008_1272;

fn block_ioctl(b: &crate::block::BlockDev, cmd: u32, arg: u64) -> SyscallResult {
    use crate::mm::usercopy::UserPtr;
    match cmd {
        BLKGETSIZE64 => UserPtr::<u64>::new(arg).write(&b.size())?,
        BLKGETSIZE => UserPtr::<u64>::new(arg).write(&b.sectors)?,
        BLKSSZGET => UserPtr::<i32>::new(arg).write(&512)?,
        BLKFLSBUF => {
            current().require_privileged()?;
            b.flush()?;
        }
        BLKRRPART => {
            current().require_privileged()?;
            crate::block::reread_partitions(b)?;
            crate::fs::add_block_nodes();
        }
        _ => return Err(Errno::ENOTTY),
    }
    Ok(0)
}
