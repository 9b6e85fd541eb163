//! sigaltstack(2): the alternate stack SA_ONSTACK handlers run on
//! (process::signal keeps it and builds frames on it).

use kernel_abi::Errno;

use super::args::{UserPtr, UserValue};
use super::current::current;
use super::SyscallResult;
use crate::process::signal::{AltStack, MINSIGSTKSZ, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};

/// `stack_t`: ss_sp, ss_flags (an int, padded), ss_size.
#[derive(Debug, Clone, Copy)]
pub struct StackT {
    sp: u64,
    flags: u32,
    size: u64,
}

impl UserValue for StackT {
    const SIZE: usize = 24;
    fn decode(b: &[u8]) -> Self {
        StackT { sp: u64::decode(&b[..8]), flags: u32::decode(&b[8..12]), size: u64::decode(&b[16..24]) }
    }
    fn encode(&self, b: &mut [u8]) {
        self.sp.encode(&mut b[..8]);
        self.flags.encode(&mut b[8..12]);
        0u32.encode(&mut b[12..16]);
        self.size.encode(&mut b[16..24]);
    }
}

/// `user_sp`: where the caller's stack is (EPERM to change the stack it runs on).
pub fn sys_sigaltstack(ss: UserPtr<StackT>, old_ss: UserPtr<StackT>, user_sp: u64) -> SyscallResult {
    let current_stack = current().with(|p| Ok(p.signals.altstack))?;
    let on_stack = current_stack.contains(user_sp);
    let new = match ss.nonnull() {
        Some(ss) => {
            let s = ss.read()?;
            if on_stack {
                return Err(Errno::EPERM);
            }
            Some(match s.flags & !SS_AUTODISARM {
                SS_DISABLE => AltStack::default(),
                0 | SS_ONSTACK if s.size < MINSIGSTKSZ => return Err(Errno::ENOMEM),
                0 | SS_ONSTACK => AltStack { sp: s.sp, size: s.size, autodisarm: s.flags & SS_AUTODISARM != 0 },
                _ => return Err(Errno::EINVAL),
            })
        }
        None => None,
    };
    if let Some(old_ss) = old_ss.nonnull() {
        let flags = if current_stack.size == 0 {
            SS_DISABLE
        } else {
            (if on_stack { SS_ONSTACK } else { 0 }) | if current_stack.autodisarm { SS_AUTODISARM } else { 0 }
        };
        old_ss.write(&StackT { sp: current_stack.sp, flags, size: current_stack.size })?;
    }
    if let Some(new) = new {
        current().with(|p| {
            p.signals.altstack = new;
            Ok(())
        })?;
    }
    Ok(0)
}
