//! sigaltstack(2): the alternate stack SA_ONSTACK handlers run on
//! (process::signal keeps it and builds frames on it).

use kernel_abi::Errno;

use super::SyscallResult;
use crate::mm::usercopy::{copy_from_user, copy_to_user};
use crate::process::{self, signal};
use signal::{AltStack, MINSIGSTKSZ, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};

/// `stack_t`: ss_sp (8), ss_flags (4, padded to 8), ss_size (8).
const STACK_T_SIZE: usize = 24;

pub fn sys_sigaltstack(ss: u64, old_ss: u64, user_sp: u64) -> SyscallResult {
    let current = process::with_current(|p| p.signals.altstack)?;
    let on_stack = current.contains(user_sp);
    let new = if ss != 0 {
        let mut raw = [0u8; STACK_T_SIZE];
        copy_from_user(&mut raw, ss)?;
        let sp = u64::from_le_bytes(raw[0..8].try_into().expect("8 bytes"));
        let flags = u32::from_le_bytes(raw[8..12].try_into().expect("4 bytes"));
        let size = u64::from_le_bytes(raw[16..24].try_into().expect("8 bytes"));
        if on_stack {
            return Err(Errno::EPERM);
        }
        Some(match flags & !SS_AUTODISARM {
            SS_DISABLE => AltStack::default(),
            0 | SS_ONSTACK if size < MINSIGSTKSZ => return Err(Errno::ENOMEM),
            0 | SS_ONSTACK => AltStack { sp, size, autodisarm: flags & SS_AUTODISARM != 0 },
            _ => return Err(Errno::EINVAL),
        })
    } else {
        None
    };
    if old_ss != 0 {
        let flags = if current.size == 0 {
            SS_DISABLE
        } else {
            (if on_stack { SS_ONSTACK } else { 0 }) | if current.autodisarm { SS_AUTODISARM } else { 0 }
        };
        let mut raw = [0u8; STACK_T_SIZE];
        raw[0..8].copy_from_slice(&current.sp.to_le_bytes());
        raw[8..12].copy_from_slice(&flags.to_le_bytes());
        raw[16..24].copy_from_slice(&current.size.to_le_bytes());
        copy_to_user(old_ss, &raw)?;
    }
    if let Some(new) = new {
        process::with_current(|p| p.signals.altstack = new)?;
    }
    Ok(0)
}
