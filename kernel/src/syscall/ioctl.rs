//! ioctl(2): the requests every descriptor answers (Linux's
//! `do_vfs_ioctl`: FIOCLEX, FIONCLEX, FIONBIO; FIONREAD on regular files
//! and pipes), then terminal requests (console, PTY master and slave) and the block
//! requests BusyBox uses (`blockdev`); ENOTTY for everything else.

use kernel_abi::Errno;

use super::args::{Fd, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::fs::file::{Kind, O_NONBLOCK};
use crate::fs::FileType;

const FIONREAD: u32 = 0x541b;
const FIONBIO: u32 = 0x5421;
const FIONCLEX: u32 = 0x5450;
const FIOCLEX: u32 = 0x5451;

/// `cmd` is Linux's `unsigned int` request: C callers pass an `int`, so
/// requests with bit 31 set (`_IOR`) arrive sign-extended and are cut to
/// 32 bits at the boundary. `arg` stays a register: each request says
/// whether it is a number or a pointer (tty::ioctl decodes it).
pub fn sys_ioctl(fd: Fd, cmd: u32, arg: u64) -> SyscallResult {
    let file = current().file(fd)?;
    match cmd {
        FIOCLEX | FIONCLEX => {
            return current().with(|p| {
                p.fds.entry_mut(fd.index())?.cloexec = cmd == FIOCLEX;
                Ok(0)
            })
        }
        FIONBIO => {
            let on = UserPtr::<i32>::new(arg).read()? != 0;
            let mut flags = file.flags.lock();
            *flags = if on { *flags | O_NONBLOCK } else { *flags & !O_NONBLOCK };
            return Ok(0);
        }
        _ => {}
    }
    if let Kind::Block(b) = &file.kind {
        return block_ioctl(b, cmd, arg);
    }
    if let Kind::Socket(s) = &file.kind {
        // The interface requests (SIOCGIFINDEX, ...) work on a socket of
        // any family, as Linux's sock_ioctl (musl's if_nametoindex asks
        // an AF_UNIX socket).
        return match s.ioctl(cmd, arg) {
            Err(Errno::ENOTTY) => crate::net::ifconf::ioctl(cmd, arg),
            r => r,
        };
    }
    let tty = match &file.kind {
        Kind::Device(d) => d.tty(),
        // What a read from the current offset would return (may be
        // negative past the end: Linux's `i_size - f_pos` as an int).
        Kind::Inode if cmd == FIONREAD => {
            let attr = file.node.getattr()?;
            if attr.file_type() != Some(FileType::Regular) {
                return Err(Errno::ENOTTY);
            }
            let left = attr.size as i64 - *file.offset.lock() as i64;
            UserPtr::<i32>::new(arg).write(&(left as i32))?;
            return Ok(0);
        }
        // procfs files are regular files of size 0 to Linux.
        Kind::Proc { .. } if cmd == FIONREAD => {
            UserPtr::<i32>::new(arg).write(&(-(*file.offset.lock() as i64) as i32))?;
            return Ok(0);
        }
        Kind::Pipe(p) if cmd == FIONREAD => {
            UserPtr::<i32>::new(arg).write(&(p.pending() as i32))?;
            return Ok(0);
        }
        _ => None,
    };
    let (tty, master) = tty.ok_or(Errno::ENOTTY)?;
    crate::tty::ioctl(&tty, master, file.readable(), u64::from(cmd), arg)
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
    match cmd {
        BLKGETSIZE64 => UserPtr::<u64>::new(arg).write(&b.size())?,
        BLKGETSIZE => UserPtr::<u64>::new(arg).write(&b.sectors)?,
        BLKSSZGET => UserPtr::<i32>::new(arg).write(&512)?,
        BLKFLSBUF => {
            current().require_privileged()?;
            b.invalidate()?;
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
