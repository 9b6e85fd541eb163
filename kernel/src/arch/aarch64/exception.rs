//! Exception entry from vectors.S: decodes the syndrome and hands off to
//! the kernel (syscalls, IRQs, faults). The TrapFrame layout is shared with
//! vectors.S (offsets in the comments); kernel tasks and the context
//! switch are in task.rs.

use core::arch::asm;

/// Registers saved on exception entry (vectors.S, 288 bytes).
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy, Default)]
pub struct TrapFrame {
    /// x0..x30 at offset 0..248.
    pub regs: [u64; 31],
    /// 248
    pub sp_el0: u64,
    /// 256
    pub elr: u64,
    /// 264
    pub spsr: u64,
    /// 272, 280
    pub fpsr: u64,
    pub fpcr: u64,
    /// 288..800: q0..q31.
    pub fp: [u128; 32],
    /// 800: TPIDR_EL0 (musl's thread pointer).
    pub tpidr: u64,
    _pad: u64,
}

const _: () = assert!(core::mem::size_of::<TrapFrame>() == 816);

impl TrapFrame {
    /// SPSR.M[3:0] (0: EL0t) and SPSR.DAIF.
    const SPSR_MODE_AND_MASKS: u64 = 0xf | 0x3c0;

    /// Forces the return state to EL0 with interrupts unmasked, whatever
    /// safe code stored in `spsr`: a frame a process returns through can
    /// never eret into EL1 (the kernel) at an address it chose.
    pub fn confine_to_el0(&mut self) {
        self.spsr &= !Self::SPSR_MODE_AND_MASKS;
    }

    /// A frame that enters EL0 at `pc` with stack `sp`, interrupts unmasked.
    pub fn new_user(pc: u64, sp: u64) -> TrapFrame {
        TrapFrame { elr: pc, sp_el0: sp, spsr: 0, ..TrapFrame::default() }
    }
}

/// A fatal exception, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A synchronous exception at EL1 (a kernel bug unless fixed up).
    KernelFault {
        esr: u64,
        far: u64,
    },
    Unexpected {
        vector: u64,
        esr: u64,
    },
}

/// The kernel's side: set once at boot (main.rs) before interrupts are on.
pub struct Handlers {
    pub syscall: fn(&mut TrapFrame),
    /// A write permission fault on a user address (EL0: `from_user`, or EL1
    /// in a user copy): true when the access can be retried.
    pub cow_fault: fn(u64, bool) -> bool,
    pub irq: fn(&mut TrapFrame, from_user: bool),
    pub user_fault: fn(&mut TrapFrame, esr: u64, far: u64),
    /// Called on entry from EL0 (true) and on the way back (false): CPU
    /// time accounting.
    pub user_boundary: fn(bool),
    pub fatal: fn(&TrapFrame, Kind) -> !,
}

static HANDLERS: spin::Once<Handlers> = spin::Once::new();

/// Installs the handlers the vectors call (the first call wins). Safe: the
/// handlers are safe functions, and until installed an exception panics.
pub fn set_handlers(h: Handlers) {
    HANDLERS.call_once(|| h);
}

fn esr_far() -> (u64, u64) {
    let (esr, far): (u64, u64);
    // SAFETY: reading the syndrome registers has no side effects.
    unsafe { asm!("mrs {}, esr_el1", "mrs {}, far_el1", out(reg) esr, out(reg) far, options(nomem, nostack)) };
    (esr, far)
}

const EC_SVC64: u64 = 0x15;
const EC_DABT_LOW: u64 = 0x24;
const EC_DABT_CUR: u64 = 0x25;

/// A data abort's ISS says: permission fault (levels 1-3) on a write.
fn is_write_permission_fault(esr: u64) -> bool {
    let dfsc = esr & 0x3f;
    let wnr = esr & (1 << 6) != 0;
    wnr && (0x0d..=0x0f).contains(&dfsc)
}

fn in_user_access(pc: u64) -> bool {
    extern "C" {
        static __user_access_start: u8;
        static __user_access_end: u8;
    }
    let (start, end) = (core::ptr::addr_of!(__user_access_start) as u64, core::ptr::addr_of!(__user_access_end) as u64);
    (start..end).contains(&pc)
}

#[no_mangle]
extern "C" fn exception_dispatch(frame: &mut TrapFrame, vector: u64) {
    let h = HANDLERS.get().expect("exception before handlers were installed");
    let (esr, far) = esr_far();
    let ec = esr >> 26;
    let cow = is_write_permission_fault(esr) && far < super::layout::USER_END;
    let from_user = matches!(vector, 8 | 9);
    if from_user {
        (h.user_boundary)(true);
    }
    match vector {
        8 if ec == EC_SVC64 => (h.syscall)(frame),
        8 if ec == EC_DABT_LOW && cow && (h.cow_fault)(far, true) => {}
        8 => (h.user_fault)(frame, esr, far),
        4 if ec == EC_DABT_CUR && cow && in_user_access(frame.elr) && (h.cow_fault)(far, false) => {}
        9 => (h.irq)(frame, true),
        5 => (h.irq)(frame, false),
        4 if ec == EC_DABT_CUR && fixup_user_access(frame) => {}
        4 => (h.fatal)(frame, Kind::KernelFault { esr, far }),
        _ => (h.fatal)(frame, Kind::Unexpected { vector, esr }),
    }
    // The handlers are safe code that may rewrite the frame (execve,
    // sigreturn): whatever they did, a trap from EL0 returns to EL0.
    if from_user {
        frame.confine_to_el0();
        (h.user_boundary)(false);
    }
}

/// A fault inside usercopy.S resumes at its fixup, which returns -EFAULT.
fn fixup_user_access(frame: &mut TrapFrame) -> bool {
    extern "C" {
        static __user_access_start: u8;
        static __user_access_end: u8;
        static __user_access_fixup: u8;
    }
    let (start, end, fixup) = (
        core::ptr::addr_of!(__user_access_start) as u64,
        core::ptr::addr_of!(__user_access_end) as u64,
        core::ptr::addr_of!(__user_access_fixup) as u64,
    );
    if (start..end).contains(&frame.elr) {
        frame.elr = fixup;
        true
    } else {
        false
    }
}

/// Human-readable exception class, for fault reports (safe: a table lookup).
pub fn exception_class(esr: u64) -> &'static str {
    match esr >> 26 {
        0x00 => "unknown",
        0x0e => "illegal execution state",
        0x15 => "svc",
        0x18 => "system register access",
        0x20 => "instruction abort from EL0",
        0x21 => "instruction abort at EL1",
        0x22 => "pc alignment",
        0x24 => "data abort from EL0",
        0x25 => "data abort at EL1",
        0x26 => "sp alignment",
        0x3c => "brk",
        _ => "other",
    }
}
