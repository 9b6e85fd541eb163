//! What an AArch64 exception taken from EL0 becomes for the process, as
//! Linux's arm64 fault handling decides: the signal, `si_code` and
//! `si_addr` (asm-generic/siginfo.h), from the syndrome (ESR_EL1), the
//! fault address (FAR_EL1) and the faulting pc.

pub const SIGILL: usize = 4;
pub const SIGTRAP: usize = 5;
pub const SIGBUS: usize = 7;
pub const SIGSEGV: usize = 11;

pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const BUS_ADRALN: i32 = 1;
pub const BUS_ADRERR: i32 = 2;
pub const ILL_ILLOPC: i32 = 1;
pub const TRAP_BRKPT: i32 = 1;

/// A fault's signal and siginfo details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultSignal {
    pub signo: usize,
    pub code: i32,
    pub addr: u64,
}

const EC_UNKNOWN: u64 = 0x00;
const EC_IABT_LOW: u64 = 0x20;
const EC_PC_ALIGN: u64 = 0x22;
const EC_DABT_LOW: u64 = 0x24;
const EC_SP_ALIGN: u64 = 0x26;
const EC_BRK64: u64 = 0x3c;

/// The signal for an EL0 exception that is not a system call, an
/// interrupt or a copy-on-write write fault.
pub fn classify(esr: u64, far: u64, pc: u64) -> FaultSignal {
    let sig = |signo, code, addr| FaultSignal { signo, code, addr };
    match esr >> 26 {
        EC_DABT_LOW | EC_IABT_LOW => match esr & 0x3f {
            // Translation faults (levels 0-3): nothing mapped there.
            0x04..=0x07 => sig(SIGSEGV, SEGV_MAPERR, far),
            // Alignment fault.
            0x21 => sig(SIGBUS, BUS_ADRALN, far),
            // Access-flag and permission faults: mapped, not allowed.
            _ => sig(SIGSEGV, SEGV_ACCERR, far),
        },
        EC_PC_ALIGN => sig(SIGBUS, BUS_ADRALN, pc),
        EC_SP_ALIGN => sig(SIGBUS, BUS_ADRALN, far),
        EC_BRK64 => sig(SIGTRAP, TRAP_BRKPT, pc),
        // Undefined instructions.
        EC_UNKNOWN => sig(SIGILL, ILL_ILLOPC, pc),
        // Anything else EL0 may not do.
        _ => sig(SIGILL, ILL_ILLOPC, pc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esr(ec: u64, fsc: u64) -> u64 {
        ec << 26 | fsc
    }

    #[test]
    fn data_aborts() {
        assert_eq!(
            classify(esr(EC_DABT_LOW, 0x07), 0x1000, 0x400000),
            FaultSignal { signo: SIGSEGV, code: SEGV_MAPERR, addr: 0x1000 }
        );
        assert_eq!(classify(esr(EC_DABT_LOW, 0x0f) | 1 << 6, 0x2000, 0).code, SEGV_ACCERR);
        assert_eq!(classify(esr(EC_DABT_LOW, 0x0b), 0x2000, 0).code, SEGV_ACCERR);
        assert_eq!(
            classify(esr(EC_DABT_LOW, 0x21), 0x2001, 0),
            FaultSignal { signo: SIGBUS, code: BUS_ADRALN, addr: 0x2001 }
        );
    }

    #[test]
    fn instruction_aborts_and_traps() {
        // A jump into a non-executable page: a permission fault at the target.
        assert_eq!(classify(esr(EC_IABT_LOW, 0x0f), 0x5000, 0x5000).code, SEGV_ACCERR);
        assert_eq!(classify(esr(EC_IABT_LOW, 0x06), 0x5000, 0x5000).code, SEGV_MAPERR);
        assert_eq!(
            classify(esr(EC_BRK64, 0), 0, 0x4004),
            FaultSignal { signo: SIGTRAP, code: TRAP_BRKPT, addr: 0x4004 }
        );
        assert_eq!(
            classify(esr(EC_UNKNOWN, 0), 0, 0x4008),
            FaultSignal { signo: SIGILL, code: ILL_ILLOPC, addr: 0x4008 }
        );
        assert_eq!(classify(esr(EC_PC_ALIGN, 0), 0x4001, 0x4001).signo, SIGBUS);
    }
}
