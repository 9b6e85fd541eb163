//! sysinfo(2).

use super::args::UserPtr;
use super::SyscallResult;

/// arm64 `struct sysinfo`: 112 bytes.
pub type SysinfoBuf = [u8; 112];

pub fn sys_sysinfo(info: UserPtr<SysinfoBuf>) -> SyscallResult {
    let (total, free) = crate::mm::frame::stats();
    let mut b = [0u8; 112];
    let uptime = crate::arch::timer::now_ns() / 1_000_000_000;
    b[..8].copy_from_slice(&uptime.to_le_bytes());
    b[32..40].copy_from_slice(&(total as u64 * 4096).to_le_bytes());
    b[40..48].copy_from_slice(&(free as u64 * 4096).to_le_bytes());
    b[80..82].copy_from_slice(&(crate::process::pids().len() as u16).to_le_bytes());
    b[104..108].copy_from_slice(&1u32.to_le_bytes());
    info.write(&b)?;
    Ok(0)
}
