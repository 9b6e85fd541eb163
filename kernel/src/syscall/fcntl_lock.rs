//! fcntl(2) F_GETLK, F_SETLK, F_SETLKW: `struct flock` in and out; the
//! locks themselves are `fs::lock`'s.

use kernel_abi::Errno;
use kernel_reclock::Kind;

use super::SyscallResult;
use crate::fs::file::OpenFile;
use crate::fs::lock::{self, Request};
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process;

pub const F_GETLK: u64 = 5;
pub const F_SETLK: u64 = 6;
pub const F_SETLKW: u64 = 7;

const F_RDLCK: i16 = 0;
const F_WRLCK: i16 = 1;
const F_UNLCK: i16 = 2;

/// arm64 `struct flock`: l_type (i16), l_whence (i16), l_start (i64 at 8),
/// l_len (i64 at 16), l_pid (i32 at 24); 32 bytes.
const FLOCK_SIZE: usize = 32;

pub fn sys_fcntl_lock(fd: u64, cmd: u64, arg: u64) -> SyscallResult {
    let file = process::with_current(|p| p.fds.get(fd))??;
    let mut raw = [0u8; FLOCK_SIZE];
    copy_from_user(&mut raw, arg)?;
    let req = decode(&file, &raw)?;
    if cmd == F_GETLK {
        if req.kind.is_none() {
            return Err(Errno::EINVAL);
        }
        match lock::get(&*file.node, &req) {
            None => raw[0..2].copy_from_slice(&F_UNLCK.to_le_bytes()),
            Some(l) => {
                let t = if l.kind == Kind::Read { F_RDLCK } else { F_WRLCK };
                let len = if l.end == u64::MAX { 0 } else { l.end - l.start };
                raw[0..2].copy_from_slice(&t.to_le_bytes());
                raw[2..4].copy_from_slice(&0i16.to_le_bytes());
                raw[8..16].copy_from_slice(&l.start.to_le_bytes());
                raw[16..24].copy_from_slice(&len.to_le_bytes());
                raw[24..28].copy_from_slice(&l.owner.to_le_bytes());
            }
        }
        copy_to_user(arg, &raw)?;
        return Ok(0);
    }
    lock::set(&file, &req, cmd == F_SETLKW)?;
    Ok(0)
}

/// The byte range from l_whence/l_start/l_len (a negative length locks
/// the bytes before l_start; 0 means to the end of the file, however far).
fn decode(file: &OpenFile, raw: &[u8; FLOCK_SIZE]) -> Result<Request, Errno> {
    let i16_at = |at: usize| i16::from_le_bytes([raw[at], raw[at + 1]]);
    let i64_at = |at: usize| i64::from_le_bytes(raw[at..at + 8].try_into().expect("8 bytes"));
    let kind = match i16_at(0) {
        F_RDLCK => Some(Kind::Read),
        F_WRLCK => Some(Kind::Write),
        F_UNLCK => None,
        _ => return Err(Errno::EINVAL),
    };
    let base = match i16_at(2) {
        0 => 0,
        1 => *file.offset.lock() as i64,
        2 => file.node.getattr()?.size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let start = base.checked_add(i64_at(8)).ok_or(Errno::EOVERFLOW)?;
    let len = i64_at(16);
    let (start, end) = match len {
        0 => (start, u64::MAX),
        l if l > 0 => (start, start.checked_add(l).ok_or(Errno::EOVERFLOW)? as u64),
        l => (start.checked_add(l).ok_or(Errno::EINVAL)?, start as u64),
    };
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Request { kind, start: start as u64, end })
}
