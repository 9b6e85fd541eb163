//! sysfs: a small read-only tree of what user space looks up there. So far
//! `/sys/class/tty/console/active`, the console's tty name, which BusyBox
//! `cttyhack` reads to reopen the console as a real tty (`/dev/ttyAMA0`)
//! when it has no controlling terminal.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::inode::{Data, Inode, S_IFREG};
use super::SYS_FS;

/// The console: the PL011 UART, named as Linux's amba-pl011 driver names it
/// (devtmpfs has the matching `/dev/ttyAMA0`, 204:64).
const CONSOLE_TTY: &str = "ttyAMA0";

/// A fresh sysfs tree (each mount gets its own).
pub fn new_root() -> Arc<Inode> {
    let root = Inode::new_dir(SYS_FS, 0o555);
    let mut dir = root.clone();
    for name in ["class", "tty", "console"] {
        let next = Inode::new_dir(SYS_FS, 0o755);
        // A fresh directory: the name is free.
        let _ = super::insert(&dir, name, next.clone());
        dir = next;
    }
    let mut active = Vec::from(CONSOLE_TTY.as_bytes());
    active.push(b'\n');
    let _ = super::insert(&dir, "active", Inode::new(SYS_FS, S_IFREG | 0o444, Data::File(active)));
    root
}
