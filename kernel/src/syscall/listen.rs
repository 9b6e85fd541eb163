//! listen(2): the backlog is capped at SOMAXCONN (a negative one too, as
//! Linux reads it unsigned).

use super::args::Fd;
use super::socket_io::socket;
use super::SyscallResult;

pub fn sys_listen(fd: Fd, backlog: i32) -> SyscallResult {
    let (_, sock) = socket(fd)?;
    sock.listen(backlog)?;
    Ok(0)
}
