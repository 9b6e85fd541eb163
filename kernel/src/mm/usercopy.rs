//! Copying to and from user memory. Pointers are checked against the user
//! half, then the copy runs in usercopy.S, whose faults are fixed up into
//! EFAULT (no page-table pre-check: the MMU decides, no TOCTOU). The copy
//! uses unprivileged loads and stores, so the kernel sees user memory with
//! the user's permissions (PROT_NONE and read-only pages are EFAULT).

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

/// Copies `dst.len()` bytes from user address `src`.
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

/// Copies `src` to user address `dst`.
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
