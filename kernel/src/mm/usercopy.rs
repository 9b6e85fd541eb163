//! Copying to and from user memory. Pointers are checked against the user
//! half, then the copy runs in usercopy.S, whose faults are fixed up into
//! EFAULT (no page-table pre-check: the MMU decides, no TOCTOU). The copy
//! uses unprivileged loads and stores, so the kernel sees user memory with
//! the user's permissions (PROT_NONE and read-only pages are EFAULT).
//!
//! The syscall layer sees user memory only as the typed handles below
//! (`UserPtr<T>`, `UserSlice`, `UserCStr`), decoded from registers at the
//! dispatcher. Every function here is safe to call with any address: the
//! range is checked against the user half and a fault becomes EFAULT.

use core::marker::PhantomData;

use kernel_abi::Errno;

use crate::arch::layout::USER_END;

extern "C" {
    fn __arch_copy_from_user(dst: *mut u8, src: *const u8, len: usize) -> isize;
    fn __arch_copy_to_user(dst: *mut u8, src: *const u8, len: usize) -> isize;
    fn __arch_strncpy_user(dst: *mut u8, src: *const u8, max: usize) -> isize;
}

fn check_user(addr: u64, len: usize) -> Result<(), Errno> {
    let end = addr.checked_add(len as u64).ok_or(Errno::EFAULT)?;
    if end > USER_END || (addr == 0 && len > 0) {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

/// Copies `dst.len()` bytes from user address `src`. Safe for any `src`:
/// outside the user half it is EFAULT, and so is an unmapped page.
pub fn copy_from_user(dst: &mut [u8], src: u64) -> Result<(), Errno> {
    check_user(src, dst.len())?;
    // SAFETY: `src..src+len` is in the user half (checked), so a fault is a
    // user fault that usercopy.S's fixup turns into -EFAULT; `dst` is a
    // valid kernel buffer of that length.
    let r = unsafe { __arch_copy_from_user(dst.as_mut_ptr(), src as *const u8, dst.len()) };
    if r == 0 {
        Ok(())
    } else {
        Err(Errno::EFAULT)
    }
}

/// Copies `src` to user address `dst`. Safe for any `dst` (as
/// `copy_from_user`): kernel memory is never written.
pub fn copy_to_user(dst: u64, src: &[u8]) -> Result<(), Errno> {
    check_user(dst, src.len())?;
    // SAFETY: as in copy_from_user, with the roles swapped.
    let r = unsafe { __arch_copy_to_user(dst as *mut u8, src.as_ptr(), src.len()) };
    if r == 0 {
        Ok(())
    } else {
        Err(Errno::EFAULT)
    }
}

/// Copies a NUL-terminated string of at most `buf.len() - 1` bytes from
/// user address `src`; returns its length. ENAMETOOLONG when no NUL fits.
/// Safe for any `src` (as `copy_from_user`).
pub fn copy_str_from_user(buf: &mut [u8], src: u64) -> Result<usize, Errno> {
    if buf.is_empty() {
        return Err(Errno::ENAMETOOLONG);
    }
    // The string may end before USER_END; check only its start here and
    // clamp the length so the copy never leaves the user half.
    check_user(src, 1)?;
    let max = buf.len().min((USER_END - src) as usize);
    // SAFETY: every byte read lies in `src..src+max`, inside the user half;
    // faults become -EFAULT; `buf` holds `max` bytes.
    let r = unsafe { __arch_strncpy_user(buf.as_mut_ptr(), src as *const u8, max) };
    match r {
        r if r < 0 => Err(Errno::EFAULT),
        r if r as usize >= buf.len() => Err(Errno::ENAMETOOLONG),
        r => Ok(r as usize),
    }
}

/// A value with a fixed little-endian layout in user memory (the ABI's C
/// struct or integer), encoded and decoded field by field: no kernel type
/// is ever reinterpreted from user bytes.
pub trait UserValue: Sized {
    /// Bytes the value takes in user memory (at most `MAX_VALUE_SIZE`).
    const SIZE: usize;
    fn decode(bytes: &[u8]) -> Self;
    fn encode(&self, bytes: &mut [u8]);
}

/// The largest `UserValue::SIZE` (the stack bounce buffer of `UserPtr`).
pub const MAX_VALUE_SIZE: usize = 512;

macro_rules! int_user_value {
    ($($t:ty),*) => {$(
        impl UserValue for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            fn decode(bytes: &[u8]) -> Self {
                let mut raw = [0u8; core::mem::size_of::<$t>()];
                raw.copy_from_slice(&bytes[..Self::SIZE]);
                <$t>::from_le_bytes(raw)
            }
            fn encode(&self, bytes: &mut [u8]) {
                bytes[..Self::SIZE].copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
int_user_value!(u8, u16, i16, u32, i32, u64, i64);

/// C arrays (`int pipefd[2]`, `gid_t list[]`, ...).
impl<T: UserValue, const N: usize> UserValue for [T; N] {
    const SIZE: usize = T::SIZE * N;
    fn decode(bytes: &[u8]) -> Self {
        core::array::from_fn(|i| T::decode(&bytes[i * T::SIZE..]))
    }
    fn encode(&self, bytes: &mut [u8]) {
        for (i, v) in self.iter().enumerate() {
            v.encode(&mut bytes[i * T::SIZE..]);
        }
    }
}

/// A user-space pointer to one `T` (a register as the caller passed it;
/// nothing is checked until it is read or written, and then the MMU
/// decides: EFAULT, never a kernel fault).
pub struct UserPtr<T> {
    addr: u64,
    _value: PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T: UserValue> UserPtr<T> {
    pub const fn new(addr: u64) -> UserPtr<T> {
        UserPtr { addr, _value: PhantomData }
    }

    pub fn addr(self) -> u64 {
        self.addr
    }

    pub fn is_null(self) -> bool {
        self.addr == 0
    }

    /// None for NULL (the optional arguments: `oldact`, a timeout, ...).
    pub fn nonnull(self) -> Option<UserPtr<T>> {
        (!self.is_null()).then_some(self)
    }

    /// The `i`-th element of the array that starts here (EFAULT on overflow).
    pub fn at(self, i: usize) -> Result<UserPtr<T>, Errno> {
        let off = (i as u64).checked_mul(T::SIZE as u64).ok_or(Errno::EFAULT)?;
        Ok(UserPtr::new(self.addr.checked_add(off).ok_or(Errno::EFAULT)?))
    }

    pub fn read(self) -> Result<T, Errno> {
        const { assert!(T::SIZE <= MAX_VALUE_SIZE) };
        let mut raw = [0u8; MAX_VALUE_SIZE];
        let raw = &mut raw[..T::SIZE];
        copy_from_user(raw, self.addr)?;
        Ok(T::decode(raw))
    }

    pub fn write(self, value: &T) -> Result<(), Errno> {
        const { assert!(T::SIZE <= MAX_VALUE_SIZE) };
        let mut raw = [0u8; MAX_VALUE_SIZE];
        let raw = &mut raw[..T::SIZE];
        value.encode(raw);
        copy_to_user(self.addr, raw)
    }
}

/// A user-space byte buffer: a pointer and the length the caller gave.
#[derive(Clone, Copy)]
pub struct UserSlice {
    addr: u64,
    len: usize,
}

impl UserSlice {
    pub const fn new(addr: u64, len: usize) -> UserSlice {
        UserSlice { addr, len }
    }

    pub fn addr(self) -> u64 {
        self.addr
    }

    pub fn len(self) -> usize {
        self.len
    }

    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The part from `offset` on (empty past the end).
    pub fn skip(self, offset: usize) -> UserSlice {
        let offset = offset.min(self.len);
        UserSlice { addr: self.addr.wrapping_add(offset as u64), len: self.len - offset }
    }

    /// Fills `dst` from the start of the buffer (`dst.len() <= len()`).
    pub fn read_into(self, dst: &mut [u8]) -> Result<(), Errno> {
        debug_assert!(dst.len() <= self.len);
        copy_from_user(dst, self.addr)
    }

    /// Writes `src` at the start of the buffer (`src.len() <= len()`).
    pub fn write_from(self, src: &[u8]) -> Result<(), Errno> {
        debug_assert!(src.len() <= self.len);
        copy_to_user(self.addr, src)
    }
}

/// A NUL-terminated string in user memory (a path, an argv entry).
#[derive(Clone, Copy)]
pub struct UserCStr(u64);

impl UserCStr {
    pub const fn new(addr: u64) -> UserCStr {
        UserCStr(addr)
    }

    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// Copies the string into `buf` (at most `buf.len() - 1` bytes); its
    /// length. ENAMETOOLONG when no NUL fits.
    pub fn read_into(self, buf: &mut [u8]) -> Result<usize, Errno> {
        copy_str_from_user(buf, self.0)
    }
}
