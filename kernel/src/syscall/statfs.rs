//! statfs(2) and fstatfs(2): the filesystem's sizes and type (tmpfs
//! counts the frames it may still use), in arm64's 120-byte `struct
//! statfs`.

use kernel_vfs::StatFs;

use super::args::{user_path, Fd, UserCStr, UserPtr};
use super::current::current;
use super::SyscallResult;
use crate::fs::{self, Path};

/// `f_flags`: the flags are valid (Linux's ST_VALID).
const ST_VALID: u64 = 0x20;
const PIPEFS_MAGIC: u64 = 0x5049_5045;

/// arm64 `struct statfs` (`encode` lays it out).
pub type StatFsBuf = [u8; 120];

pub fn sys_statfs(path: UserCStr, buf: UserPtr<StatFsBuf>) -> SyscallResult {
    let path = user_path(path)?;
    let at = fs::resolve(&current().cwd(), &path, true)?;
    buf.write(&encode(&of(&at)))?;
    Ok(0)
}

pub fn sys_fstatfs(fd: Fd, buf: UserPtr<StatFsBuf>) -> SyscallResult {
    let file = current().file(fd)?;
    let st = match &file.path {
        Some(p) => of(p),
        None => StatFs { magic: PIPEFS_MAGIC, block_size: 4096, name_max: 255, ..Default::default() },
    };
    buf.write(&encode(&st))?;
    Ok(0)
}

/// The mount's filesystem; the kinds we build on tmpfs (devpts, sysfs)
/// report what Linux's do: their type and no blocks.
fn of(p: &Path) -> StatFs {
    let empty = |magic| StatFs { magic, block_size: 4096, name_max: 255, ..Default::default() };
    match p.mount.fstype.as_str() {
        "devpts" => empty(0x1cd1),
        "sysfs" => empty(0x6265_6572),
        _ => p.mount.sb.fs.statfs(),
    }
}

fn encode(st: &StatFs) -> [u8; 120] {
    let mut b = [0u8; 120];
    let words = [
        st.magic,
        st.block_size,
        st.blocks,
        st.blocks_free,
        st.blocks_free,
        st.files,
        st.files_free,
        0, // f_fsid
        st.name_max,
        st.block_size,
        ST_VALID,
    ];
    for (i, w) in words.iter().enumerate() {
        b[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    b
}
