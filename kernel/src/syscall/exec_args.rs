//! execve's argument and environment strings, with Linux's limits: each
//! string (its NUL included) at most MAX_ARG_STRLEN = 128 KiB, and all of
//! them, the file name and the pointer arrays together within a quarter
//! of the stack limit (at least ARG_MAX 128 KiB, at most 6 MiB): E2BIG
//! past either, never ENAMETOOLONG.

use alloc::string::String;
use alloc::vec::Vec;

use kernel_abi::Errno;

use super::args::{UserCStr, UserPtr};

/// Longest string, NUL included (32 pages).
const MAX_ARG_STRLEN: usize = kernel_rlimit::MAX_ARG_STRLEN as usize;
/// Most strings in one array.
const MAX_ARG_STRINGS: usize = 0x7fff_ffff;

/// The strings of a NULL-terminated `char *const []` (none when the array
/// pointer itself is NULL).
fn pointers(array: UserPtr<u64>) -> Result<Vec<UserCStr>, Errno> {
    let mut out = Vec::new();
    if array.is_null() {
        return Ok(out);
    }
    loop {
        let ptr = array.at(out.len())?.read()?;
        if ptr == 0 {
            return Ok(out);
        }
        if out.len() >= MAX_ARG_STRINGS {
            return Err(Errno::E2BIG);
        }
        if !crate::mm::heap::has_room(64) {
            return Err(Errno::ENOMEM);
        }
        out.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        out.push(UserCStr::new(ptr));
    }
}

/// argv and envp of an execve of `path`, under RLIMIT_STACK `stack_limit`.
pub fn read(
    path: &str,
    argv: UserPtr<u64>,
    envp: UserPtr<u64>,
    stack_limit: u64,
) -> Result<(Vec<String>, Vec<String>), Errno> {
    let argv = pointers(argv)?;
    let envp = pointers(envp)?;
    let mut room = kernel_rlimit::exec_string_space(stack_limit, argv.len(), envp.len()).ok_or(Errno::E2BIG)?;
    room = room.checked_sub(path.len() as u64 + 1).ok_or(Errno::E2BIG)?;
    // The kernel heap must hold every string, and after them the loader's
    // pointer arrays and one string copy at a time (infallible
    // allocations): PER_STRING bytes per string and one longest string
    // stay free as each string comes in, else ENOMEM.
    const PER_STRING: usize = 128;
    let heap_need = (argv.len() + envp.len()) * PER_STRING + MAX_ARG_STRLEN;
    if !crate::mm::heap::has_room(heap_need + MAX_ARG_STRLEN) {
        return Err(Errno::ENOMEM);
    }
    let mut scratch = super::fs_util::scratch(MAX_ARG_STRLEN)?;
    let mut take = |ptrs: &[UserCStr]| -> Result<Vec<String>, Errno> {
        let mut out = Vec::new();
        out.try_reserve_exact(ptrs.len()).map_err(|_| Errno::ENOMEM)?;
        for &ptr in ptrs {
            let n = match ptr.read_into(&mut scratch) {
                Err(Errno::ENAMETOOLONG) => return Err(Errno::E2BIG),
                r => r?,
            };
            room = room.checked_sub(n as u64 + 1).ok_or(Errno::E2BIG)?;
            if !crate::mm::heap::has_room(heap_need + n) {
                return Err(Errno::ENOMEM);
            }
            let mut s = Vec::new();
            s.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
            s.extend_from_slice(&scratch[..n]);
            out.push(String::from_utf8(s).map_err(|_| Errno::EINVAL)?);
        }
        Ok(out)
    };
    // Linux copies the environment first, then the arguments.
    let envp = take(&envp)?;
    let argv = take(&argv)?;
    Ok((argv, envp))
}
