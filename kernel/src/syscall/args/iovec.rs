//! `struct iovec` arrays (readv, writev): one decoder.

use alloc::vec::Vec;

use kernel_abi::Errno;

use crate::mm::usercopy::{UserPtr, UserSlice, UserValue};

/// Linux's UIO_MAXIOV.
pub const IOV_MAX: usize = 1024;

/// One `struct iovec { void *iov_base; size_t iov_len; }`.
#[derive(Clone, Copy)]
pub struct IoVec(pub UserSlice);

impl UserValue for IoVec {
    const SIZE: usize = 16;
    fn decode(b: &[u8]) -> Self {
        IoVec(UserSlice::new(u64::decode(&b[..8]), u64::decode(&b[8..16]) as usize))
    }
    fn encode(&self, b: &mut [u8]) {
        self.0.addr().encode(&mut b[..8]);
        (self.0.len() as u64).encode(&mut b[8..16]);
    }
}

/// The `count` buffers at `iov`, read before any transfer (as Linux's
/// `import_iovec`): EINVAL for more than IOV_MAX or a length negative as
/// an `ssize_t`, EFAULT for an unreadable array.
pub fn read_iovecs(iov: UserPtr<IoVec>, count: usize) -> Result<Vec<UserSlice>, Errno> {
    if count > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mut out = Vec::new();
    out.try_reserve_exact(count).map_err(|_| Errno::ENOMEM)?;
    for i in 0..count {
        let buf = iov.at(i)?.read()?.0;
        // A length that is negative as an ssize_t: EINVAL, as Linux.
        if isize::try_from(buf.len()).is_err() {
            return Err(Errno::EINVAL);
        }
        out.push(buf);
    }
    Ok(out)
}
