//! fcntl(2) F_GETLK, F_SETLK, F_SETLKW and the open file description
//! locks F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW: `struct flock` in and out;
//! the locks themselves are `fs::lock`'s.

use kernel_abi::Errno;
use kernel_reclock::Kind;

use super::args::{Fd, UserPtr, UserValue};
use super::current::current;
use super::SyscallResult;
use crate::fs::file::OpenFile;
use crate::fs::lock::{self, Request};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LockCmd {
    Get,
    Set,
    SetWait,
}

impl LockCmd {
    /// The command and whether it is an open file description lock.
    pub fn from_cmd(cmd: u32) -> Option<(LockCmd, bool)> {
        match cmd {
            5 => Some((LockCmd::Get, false)),
            6 => Some((LockCmd::Set, false)),
            7 => Some((LockCmd::SetWait, false)),
            36 => Some((LockCmd::Get, true)),
            37 => Some((LockCmd::Set, true)),
            38 => Some((LockCmd::SetWait, true)),
            _ => None,
        }
    }
}

const F_RDLCK: i16 = 0;
const F_WRLCK: i16 = 1;
const F_UNLCK: i16 = 2;

/// arm64 `struct flock`: l_type (i16), l_whence (i16), l_start (i64 at 8),
/// l_len (i64 at 16), l_pid (i32 at 24); 32 bytes.
#[derive(Clone, Copy)]
pub struct Flock {
    kind: i16,
    whence: i16,
    start: i64,
    len: i64,
    pid: i32,
    /// The padding after l_pid, written back as it came.
    tail: [u8; 4],
}

impl UserValue for Flock {
    const SIZE: usize = 32;
    fn decode(b: &[u8]) -> Self {
        Flock {
            kind: i16::decode(&b[0..2]),
            whence: i16::decode(&b[2..4]),
            start: i64::decode(&b[8..16]),
            len: i64::decode(&b[16..24]),
            pid: i32::decode(&b[24..28]),
            tail: <[u8; 4]>::decode(&b[28..32]),
        }
    }
    fn encode(&self, b: &mut [u8]) {
        self.kind.encode(&mut b[0..2]);
        self.whence.encode(&mut b[2..4]);
        self.start.encode(&mut b[8..16]);
        self.len.encode(&mut b[16..24]);
        self.pid.encode(&mut b[24..28]);
        self.tail.encode(&mut b[28..32]);
    }
}

/// `ofd`: an F_OFD_* command, whose owner is the open file description
/// (l_pid must be 0: EINVAL); a conflicting lock of a description reports
/// l_pid -1, as Linux.
pub fn sys_fcntl_lock(fd: Fd, cmd: LockCmd, ofd: bool, arg: UserPtr<Flock>) -> SyscallResult {
    let file = current().file(fd)?;
    let mut fl = arg.read()?;
    if ofd && fl.pid != 0 {
        return Err(Errno::EINVAL);
    }
    let req = decode(&file, &fl)?;
    let owner = if ofd { file.ofd_owner } else { current().pid() };
    if cmd == LockCmd::Get {
        if req.kind.is_none() {
            return Err(Errno::EINVAL);
        }
        match lock::get(&*file.node, owner, &req) {
            None => fl.kind = F_UNLCK,
            Some(l) => {
                fl.kind = if l.kind == Kind::Read { F_RDLCK } else { F_WRLCK };
                fl.whence = 0;
                fl.start = l.start as i64;
                fl.len = if l.end == u64::MAX { 0 } else { (l.end - l.start) as i64 };
                fl.pid = if l.owner >= lock::OFD_OWNER_BASE { -1 } else { l.owner as i32 };
            }
        }
        arg.write(&fl)?;
        return Ok(0);
    }
    if ofd {
        file.has_ofd_locks.store(true, core::sync::atomic::Ordering::Relaxed);
    }
    lock::set(&file, owner, &req, cmd == LockCmd::SetWait)?;
    Ok(0)
}

/// The byte range from l_whence/l_start/l_len (a negative length locks
/// the bytes before l_start; 0 means to the end of the file, however far).
fn decode(file: &OpenFile, fl: &Flock) -> Result<Request, Errno> {
    let kind = match fl.kind {
        F_RDLCK => Some(Kind::Read),
        F_WRLCK => Some(Kind::Write),
        F_UNLCK => None,
        _ => return Err(Errno::EINVAL),
    };
    let base = match fl.whence {
        0 => 0,
        1 => *file.offset.lock() as i64,
        2 => file.node.getattr()?.size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let start = base.checked_add(fl.start).ok_or(Errno::EOVERFLOW)?;
    let (start, end) = match fl.len {
        0 => (start, u64::MAX),
        l if l > 0 => (start, start.checked_add(l).ok_or(Errno::EOVERFLOW)? as u64),
        l => (start.checked_add(l).ok_or(Errno::EINVAL)?, start as u64),
    };
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Request { kind, start: start as u64, end })
}
