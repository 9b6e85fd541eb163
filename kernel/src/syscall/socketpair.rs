//! socketpair(2): two connected sockets (AF_UNIX; EOPNOTSUPP for families
//! without pairs).

use super::args::{SockType, UserPtr};
use super::current::current;
use super::socket_io::install;
use super::SyscallResult;

pub fn sys_socketpair(domain: i32, ty: SockType, protocol: i32, sv: UserPtr<[i32; 2]>) -> SyscallResult {
    let (a, b) = crate::net::pair(domain, ty.ty, protocol)?;
    let fa = install(a, ty.flags)?;
    let fb = match install(b, ty.flags) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = current().with(|p| p.fds.close(fa as u64).map(drop));
            return Err(e);
        }
    };
    if let Err(e) = sv.write(&[fa as i32, fb as i32]) {
        let _ = current().with(|p| {
            let _ = p.fds.close(fa as u64);
            let _ = p.fds.close(fb as u64);
            Ok(())
        });
        return Err(e);
    }
    Ok(0)
}
