//! writev(2): each iovec through write(2).

use kernel_abi::Errno;

use super::write::sys_write;
use super::SyscallResult;
use crate::mm::usercopy::copy_from_user;

const IOV_MAX: u64 = 1024;

pub fn sys_writev(fd: u64, iov: u64, count: u64) -> SyscallResult {
    if count > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mut total = 0;
    for i in 0..count {
        let mut raw = [0u8; 16];
        copy_from_user(&mut raw, iov + i * 16)?;
        let base = u64::from_le_bytes(raw[..8].try_into().expect("8 bytes"));
        let len = u64::from_le_bytes(raw[8..].try_into().expect("8 bytes"));
        match sys_write(fd, base, len) {
            Ok(n) => {
                total += n;
                if (n as u64) < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}
