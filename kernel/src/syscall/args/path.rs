//! Path strings from user memory.

use alloc::string::String;

use kernel_abi::Errno;

use crate::mm::usercopy::UserCStr;

/// A NUL-terminated path of at most PATH_MAX bytes (ENAMETOOLONG past it,
/// EINVAL when not UTF-8).
pub fn user_path(s: UserCStr) -> Result<String, Errno> {
    let mut buf = alloc::vec![0u8; kernel_path::PATH_MAX];
    let n = s.read_into(&mut buf)?;
    buf.truncate(n);
    String::from_utf8(buf).map_err(|_| Errno::EINVAL)
}
